// Backend Workflows dashboard: plain JS, no build step, no dependencies.
// Every view reads the admin API relative to this folder (../runs, ../workflows, ...), so the
// dashboard also works under a prefix such as /version-test/dashboard/. The admin key lives in
// sessionStorage only. All data reaches the page through textContent / createElement.
'use strict';

(() => {
  const KEY_STORAGE = 'bw.adminKey';
  const POLL_MS = 2000;
  const RUN_STATUSES = ['running', 'succeeded', 'failed', 'terminated', 'rejected'];
  const RUN_TRIGGERS = ['api', 'schedule', 'recurring', 'custom_event', 'data_change'];
  const SCHEDULE_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'terminated', 'cancelled'];
  const BATCH_STATUSES = ['creating', 'running', 'paused', 'cancelled', 'done'];
  const RANGES = [
    ['all', 'All time', 0],
    ['15m', 'Last 15 minutes', 15 * 60e3],
    ['1h', 'Last hour', 60 * 60e3],
    ['24h', 'Last day', 24 * 60 * 60e3],
    ['7d', 'Last 7 days', 7 * 24 * 60 * 60e3],
  ];
  const RUNS_PER_WORKFLOW = 25; // "all runs" = the newest of each workflow, merged
  const RUNS_SHOWN = 100;

  const S = {
    key: readKey(),
    workflows: null,      // the last /workflows answer
    outbox: undefined,    // true: the runner has one; false: it answered 404
    gen: 0,               // bumped on each route change; async work of an older view is dropped
    stops: [],            // pollers of the current view
    confirming: new Set(), // actions waiting for a second click ("Confirm cancel")
    firstRoute: true,
  };

  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- small DOM helpers

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = String(v);
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') el[k] = v;
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    add(el, children);
    return el;
  }

  function add(el, ...children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function readKey() {
    try { return sessionStorage.getItem(KEY_STORAGE); } catch { return null; }
  }

  function writeKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORAGE, key); else sessionStorage.removeItem(KEY_STORAGE);
    } catch { /* storage off: the key lives in memory for this page only */ }
  }

  function pref(name, fallback) {
    try {
      const v = sessionStorage.getItem('bw.pref.' + name);
      return v === null ? fallback : v;
    } catch { return fallback; }
  }

  function setPref(name, value) {
    try { sessionStorage.setItem('bw.pref.' + name, value); } catch { /* ignore */ }
  }

  function announce(text) {
    const a = $('announcer');
    a.textContent = '';
    // a fresh text node makes screen readers read the same message again
    setTimeout(() => { a.textContent = text; }, 30);
  }

  // ---------------------------------------------------------------- formatting

  /** Milliseconds since the epoch, keeping the sub-millisecond digits the API sends. */
  function ts(iso) {
    if (!iso || typeof iso !== 'string') return NaN;
    const m = /^(.*T\d\d:\d\d:\d\d)(\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(iso);
    if (!m) return Date.parse(iso);
    const frac = m[3] || '';
    const base = Date.parse(m[1] + (m[4] || 'Z'));
    return base + (frac ? Number('0.' + frac) * 1000 : 0);
  }

  function fmtTime(iso) {
    const t = ts(iso);
    if (!Number.isFinite(t)) return iso ? String(iso) : '—';
    const d = new Date(t);
    const today = new Date();
    const sameDay = d.toDateString() === today.toDateString();
    const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    if (sameDay) return time;
    const date = d.getFullYear() === today.getFullYear()
      ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
      : d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
    return date + ', ' + time;
  }

  function fmtRelative(iso) {
    const t = ts(iso);
    if (!Number.isFinite(t)) return '';
    const diff = t - Date.now();
    const abs = Math.abs(diff);
    let text;
    if (abs < 45e3) text = Math.max(1, Math.round(abs / 1e3)) + ' s';
    else if (abs < 45 * 60e3) text = Math.round(abs / 60e3) + ' min';
    else if (abs < 36 * 3600e3) text = Math.round(abs / 3600e3) + ' h';
    else text = Math.round(abs / 86400e3) + ' d';
    return diff >= 0 ? 'in ' + text : text + ' ago';
  }

  function timeEl(iso, withRelative) {
    if (!iso) return h('span', { class: 'muted', text: '—' });
    const rel = withRelative ? fmtRelative(iso) : '';
    return h('time', { datetime: iso, title: iso }, fmtTime(iso), rel ? h('span', { class: 'rel', text: ' (' + rel + ')' }) : null);
  }

  function fmtMs(ms) {
    if (ms === undefined || ms === null || !Number.isFinite(Number(ms))) return '—';
    ms = Number(ms);
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60e3) return (ms / 1000).toFixed(ms < 10e3 ? 2 : 1) + ' s';
    const min = Math.floor(ms / 60e3);
    if (min < 60) return min + ' min ' + Math.round((ms % 60e3) / 1000) + ' s';
    return Math.floor(min / 60) + ' h ' + (min % 60) + ' min';
  }

  function json(value) {
    try { return JSON.stringify(value, null, 2); } catch { return String(value); }
  }

  function compactJson(value, max) {
    let s;
    try { s = JSON.stringify(value); } catch { s = String(value); }
    if (s === undefined) s = '';
    return s.length > max ? s.slice(0, max - 1) + '…' : s;
  }

  function badge(status) {
    const s = String(status || 'unknown');
    return h('span', { class: 'badge st-' + s.replace(/[^a-z_]/gi, ''), text: s });
  }

  function pre(value, label) {
    return h('pre', { class: 'json', tabindex: '0', 'aria-label': label || null }, json(value));
  }

  function hashFor(view, id, query) {
    let s = '#/' + view;
    if (id !== undefined && id !== null) s += '/' + encodeURIComponent(id);
    if (query) {
      const q = query instanceof URLSearchParams ? query : new URLSearchParams(query);
      const str = q.toString();
      if (str) s += '?' + str;
    }
    return s;
  }

  function link(view, id, text, extra) {
    return h('a', Object.assign({ href: hashFor(view, id) }, extra || {}), text);
  }

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message, fields) {
      super(message);
      this.status = status;
      this.code = code;
      this.fields = Array.isArray(fields) ? fields : [];
    }
  }

  async function api(path, opts) {
    const o = opts || {};
    const headers = { Accept: 'application/json' };
    if (S.key) headers.Authorization = 'Bearer ' + S.key;
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(new URL('../' + path, location.href), {
        method: o.method || 'GET',
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (e) {
      throw new ApiError(0, 'network_error', 'Could not reach the server (' + (e && e.message ? e.message : e) + ')');
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (res.ok && o.raw) {
      // the answer's own bytes (a download); still only a JSON document is accepted
      if (data === null) throw new ApiError(res.status, 'bad_document', 'The server did not answer with a JSON document');
      return text;
    }
    if (!res.ok) {
      const err = (data && data.error) || {};
      const e = new ApiError(res.status, err.code || 'http_' + res.status,
        err.message || (res.statusText || 'HTTP ' + res.status), err.fields);
      if ((res.status === 401 || res.status === 403) && !o.keepSession) {
        e.handled = true;
        signOut(e);
      }
      throw e;
    }
    return data;
  }

  function errorBox(e, context) {
    const code = e && e.code ? e.code : 'error';
    const msg = e && e.message ? e.message : String(e);
    const box = h('div', { class: 'error-box', role: 'alert' },
      context ? h('p', { class: 'error-context', text: context }) : null,
      h('p', null, h('strong', { class: 'error-code', text: code }),
        e && e.status ? h('span', { class: 'muted', text: ' (HTTP ' + e.status + ')' }) : null,
        ': ', h('span', { class: 'error-message', text: msg })));
    const fields = e && Array.isArray(e.fields) ? e.fields : [];
    if (fields.length) {
      add(box, h('ul', { class: 'error-fields' }, fields.map((f) =>
        h('li', null, h('code', { text: f.field || '?' }), ' ', f.code ? '(' + f.code + ') ' : '', f.message || ''))));
    }
    return box;
  }

  async function workflows(force) {
    if (!S.workflows || force) {
      const d = await api('workflows');
      S.workflows = Array.isArray(d && d.workflows) ? d.workflows : [];
    }
    return S.workflows;
  }

  async function probeOutbox() {
    try {
      await api('outbox', { keepSession: true });
      S.outbox = true;
    } catch (e) {
      // a deployed stack has no outbox (404); other errors leave the tab, whose view shows them
      S.outbox = e.status === 404 ? false : undefined;
    }
    $('nav-outbox').hidden = S.outbox === false;
  }

  // ---------------------------------------------------------------- OpenAPI download

  // GET /openapi.json needs a key (it lists what that key may call), so a plain link cannot fetch
  // it: the document is read with the stored key and handed to the browser as a Blob download.
  let openApiBusy = false;
  let openApiStatusTimer = null;

  function openApiStatus(text, isError) {
    const el = $('openapi-status');
    clearTimeout(openApiStatusTimer);
    el.className = 'tools-status' + (isError ? ' error-text' : '');
    el.textContent = text;
    if (text && !isError) openApiStatusTimer = setTimeout(() => { el.textContent = ''; }, 5000);
  }

  async function downloadOpenApi() {
    if (openApiBusy || !S.key) return;
    const btn = $('openapi-download');
    const key = S.key;
    openApiBusy = true;
    // aria-disabled rather than disabled: a disabled button would lose the keyboard focus
    btn.setAttribute('aria-disabled', 'true');
    openApiStatus('Fetching openapi.json…');
    try {
      const text = await api('openapi.json', { raw: true });
      if (S.key !== key) return; // signed out meanwhile
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const a = h('a', { href: url, download: 'openapi.json', hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      // the click has handed the file to the browser; the URL is released a little later
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      openApiStatus('Saved openapi.json');
    } catch (e) {
      if (e.handled) { openApiStatus(''); return; } // 401/403: back on the key form, which says why
      openApiStatus('OpenAPI: ' + (e.code ? e.code + ': ' : '') + (e.message || String(e)), true);
    } finally {
      openApiBusy = false;
      btn.removeAttribute('aria-disabled');
    }
  }

  // ---------------------------------------------------------------- session

  function showSignin(error) {
    $('signin').hidden = false;
    $('app').hidden = true;
    $('nav').hidden = true;
    $('tools').hidden = true;
    const err = $('key-error');
    err.textContent = '';
    if (error) {
      err.textContent = (error.code ? error.code + ': ' : '') + (error.message || String(error));
    }
    document.title = 'Sign in · Backend Workflows';
  }

  function signOut(error) {
    stopPolling();
    S.gen++;
    S.key = null;
    S.workflows = null;
    S.outbox = undefined;
    S.confirming.clear();
    writeKey(null);
    openApiStatus('');
    $('view').replaceChildren();
    showSignin(error);
    if (error) $('key-input').focus();
  }

  async function onSignin(ev) {
    ev.preventDefault();
    const input = $('key-input');
    const button = $('key-submit');
    const key = input.value.trim();
    if (!key) {
      showSignin({ code: 'missing_key', message: 'Enter the admin API key.' });
      input.focus();
      return;
    }
    button.disabled = true;
    $('key-error').textContent = 'Checking the key…';
    S.key = key;
    try {
      // /runs needs an admin key: checking it here tells a wrong key from a non-admin one now
      const d = await api('workflows', { keepSession: true });
      S.workflows = Array.isArray(d && d.workflows) ? d.workflows : [];
      await api('schedules?status=running&limit=1', { keepSession: true });
      writeKey(key);
      input.value = '';
      $('key-error').textContent = '';
      S.firstRoute = false;
      probeOutbox();
      route();
    } catch (e) {
      S.key = null;
      S.workflows = null;
      showSignin(e);
      input.focus();
      input.select();
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------- polling

  function stopPolling() {
    for (const stop of S.stops.splice(0)) stop();
  }

  /** Calls fn every ms (never two at once; skipped while the tab is hidden). Returns a stop function. */
  function poll(fn, ms) {
    let stopped = false;
    let timer = null;
    const tick = async () => {
      if (stopped) return;
      if (!document.hidden) {
        try { await fn(); } catch { /* fn shows its own errors */ }
      }
      if (!stopped) timer = setTimeout(tick, ms);
    };
    timer = setTimeout(tick, ms);
    const stop = () => { stopped = true; clearTimeout(timer); };
    S.stops.push(stop);
    return stop;
  }

  /** A "Live" checkbox that (re)starts a poller; its state is kept per view for this tab. */
  function liveToggle(name, defaultOn, refresh) {
    const id = 'live-' + name;
    let stop = null;
    const box = h('input', { type: 'checkbox', id, checked: pref('live.' + name, defaultOn ? '1' : '0') === '1' });
    const set = () => {
      if (stop) { stop(); stop = null; }
      if (box.checked) stop = poll(refresh, POLL_MS);
    };
    box.addEventListener('change', () => {
      setPref('live.' + name, box.checked ? '1' : '0');
      set();
      announce(box.checked ? 'Live refresh on, every ' + POLL_MS / 1000 + ' seconds' : 'Live refresh off');
    });
    const wrap = h('div', { class: 'field field-check' }, box, h('label', { for: id, text: 'Live (every ' + POLL_MS / 1000 + ' s)' }));
    return { el: wrap, start: set, box };
  }

  /** Replaces a container's content, keeping keyboard focus on the element with the same data-focus-key. */
  function swap(container, ...children) {
    const active = document.activeElement;
    const key = active && container.contains(active) && active.dataset ? active.dataset.focusKey : null;
    container.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
    if (key) {
      const again = container.querySelector('[data-focus-key="' + CSS.escape(key) + '"]');
      if (again) again.focus({ preventScroll: true });
    }
  }

  function refreshLine() {
    const live = h('span', { class: 'refresh-summary', 'aria-live': 'polite', 'aria-atomic': 'true' });
    const when = h('span', { class: 'refresh-when muted' });
    const el = h('p', { class: 'refresh-status' }, live, ' ', when);
    let last = '';
    return {
      el,
      set(summary, failed) {
        if (summary !== last) { live.textContent = summary; last = summary; }
        when.textContent = failed ? '' : '· updated ' + new Date().toLocaleTimeString();
      },
    };
  }

  // ---------------------------------------------------------------- routing

  function parseHash() {
    let raw = location.hash.replace(/^#\/?/, '');
    let query = '';
    const qi = raw.indexOf('?');
    if (qi >= 0) { query = raw.slice(qi + 1); raw = raw.slice(0, qi); }
    const parts = raw.split('/').filter(Boolean).map((p) => {
      try { return decodeURIComponent(p); } catch { return p; }
    });
    return { parts, query: new URLSearchParams(query) };
  }

  function route() {
    stopPolling();
    S.confirming.clear();
    const gen = ++S.gen;
    if (!S.key) { showSignin(); return; }
    $('signin').hidden = true;
    $('app').hidden = false;
    $('nav').hidden = false;
    $('tools').hidden = false;
    if (S.outbox === undefined) probeOutbox();
    const { parts, query } = parseHash();
    const view = parts[0] || 'runs';
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    const root = $('view');
    root.replaceChildren();
    const views = { runs: viewRuns, workflows: viewWorkflows, schedules: viewSchedules, chains: viewChain, batches: viewBatches, outbox: viewOutbox };
    const fn = views[view];
    const ctx = { root, parts, query, gen, alive: () => gen === S.gen };
    // the new view's heading takes the focus (not on the first load: Tab then starts at the top)
    S.focusHeading = !S.firstRoute;
    S.firstRoute = false;
    if (!fn) {
      add(root, heading('Not found'), h('p', null, 'No view “', view, '”. ', link('runs', null, 'Go to runs')));
    } else {
      Promise.resolve(fn(ctx)).catch((e) => {
        if (!ctx.alive() || e.handled) return;
        add(root, errorBox(e));
      });
    }
  }

  function heading(text, ...extra) {
    const el = h('h1', { tabindex: '-1' }, text, extra);
    document.title = (typeof text === 'string' ? text : 'Dashboard') + ' · Backend Workflows';
    if (S.focusHeading) {
      S.focusHeading = false;
      setTimeout(() => { if (el.isConnected) el.focus(); }, 0);
    }
    return el;
  }

  function setQuery(view, params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    // replaceState: no hashchange, so the view stays and keeps focus
    history.replaceState(null, '', hashFor(view, null, q));
  }

  function select(id, label, options, value, onChange) {
    const sel = h('select', { id, name: id },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
    if (onChange) sel.addEventListener('change', onChange);
    return h('div', { class: 'field' }, h('label', { for: id, text: label }), sel);
  }

  function confirmButtons(key, label, confirmLabel, onConfirm, opts) {
    const o = opts || {};
    const wrap = h('span', { class: 'confirm' });
    const render = () => {
      if (S.confirming.has(key)) {
        const yes = h('button', { type: 'button', class: 'danger', dataset: { focusKey: key + ':yes' }, text: confirmLabel });
        const no = h('button', { type: 'button', class: 'secondary', dataset: { focusKey: key + ':no' }, text: 'Keep' });
        yes.addEventListener('click', async () => {
          S.confirming.delete(key);
          yes.disabled = true; no.disabled = true;
          await onConfirm();
        });
        no.addEventListener('click', () => {
          S.confirming.delete(key);
          render();
          const again = wrap.querySelector('button');
          if (again) again.focus();
        });
        wrap.replaceChildren(yes, ' ', no);
      } else {
        const btn = h('button', { type: 'button', class: o.danger === false ? '' : 'danger-outline', dataset: { focusKey: key }, text: label, 'aria-label': o.ariaLabel || null });
        btn.addEventListener('click', () => {
          S.confirming.add(key);
          render();
          const yes = wrap.querySelector('button');
          if (yes) yes.focus();
        });
        wrap.replaceChildren(btn);
      }
    };
    render();
    return wrap;
  }

  // ---------------------------------------------------------------- workflows

  function triggerText(t) {
    if (!t) return '—';
    switch (t.kind) {
      case 'api': return 'API (POST /wf/…), auth ' + (t.auth || '?');
      case 'recurring': return 'recurring: ' + (t.every || '?') + (t.timezone ? ' (' + t.timezone + ')' : '');
      case 'data_change': return 'data change: ' + (t.type || '?') + (Array.isArray(t.on) ? ' ' + t.on.join(', ') : '');
      case 'schedule': return 'scheduled by other workflows';
      case 'custom_event': return 'custom event';
      default: return String(t.kind || '?');
    }
  }

  async function viewWorkflows(ctx) {
    const { root, parts } = ctx;
    const only = parts[1];
    const h1 = heading(only ? 'Workflow ' + only : 'Workflows');
    const body = h('div', { class: 'loading', text: 'Loading workflows…' });
    add(root, h1, body);
    const list = await workflows(true);
    if (!ctx.alive()) return;
    const shown = only ? list.filter((w) => w.name === only) : list;
    const out = [];
    if (only) {
      out.push(h('p', null, link('workflows', null, '← All workflows')));
      if (!shown.length) out.push(errorBox({ code: 'workflow_not_found', message: 'No workflow named ' + only }));
    } else {
      out.push(h('p', { class: 'lead' }, list.length + ' workflow' + (list.length === 1 ? '' : 's') + ' loaded.'));
      out.push(h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
        h('caption', { class: 'visually-hidden', text: 'Workflows' }),
        h('thead', null, h('tr', null, ['Workflow', 'Trigger', 'Parameters', 'Steps', 'Version', ''].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', null, list.map((w) => h('tr', null,
          h('th', { scope: 'row' }, link('workflows', w.name, w.name)),
          h('td', null, badge(w.trigger && w.trigger.kind), ' ', w.trigger && w.trigger.auth ? h('span', { class: 'muted', text: 'auth ' + w.trigger.auth }) : null),
          h('td', { class: 'num', text: (w.parameters || []).length }),
          h('td', { class: 'num', text: (w.steps || []).length }),
          h('td', null, h('code', { text: w.version || '' })),
          h('td', null, h('a', { href: hashFor('runs', null, { workflow: w.name }), 'aria-label': 'Runs of ' + w.name }, 'Runs'))))))));
    }
    const cards = h('div', { class: 'wf-list' }, shown.map(workflowCard));
    out.push(cards);
    swap(body, out);
    body.className = '';
  }

  function workflowCard(w) {
    const t = w.trigger || {};
    const details = [];
    details.push(['Trigger', triggerText(t)]);
    if (t.kind === 'api') details.push(['Auth', t.auth || '—']);
    if (t.kind === 'recurring') { details.push(['Every', t.every || '—']); details.push(['Time zone', t.timezone || 'UTC']); }
    if (t.kind === 'data_change') {
      details.push(['Type', t.type || '—']);
      details.push(['On', Array.isArray(t.on) ? t.on.join(', ') : '—']);
      if (Array.isArray(t.fields) && t.fields.length) details.push(['Fields', t.fields.join(', ')]);
      if (t.when) details.push(['When', h('code', { text: t.when })]);
    }
    details.push(['Version', h('code', { text: w.version || '—' })]);
    details.push(['Max attempts', w.max_attempts !== undefined ? String(w.max_attempts) : '—']);

    const params = w.parameters || [];
    const paramTable = params.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'data params' },
        h('caption', { class: 'visually-hidden', text: 'Parameters of ' + w.name }),
        h('thead', null, h('tr', null, ['Name', 'Type', 'Required', 'Secret', 'Default'].map((x) => h('th', { scope: 'col', text: x })))),
        h('tbody', null, params.map((p) => h('tr', null,
          h('th', { scope: 'row' }, h('code', { text: p.name })),
          h('td', { text: (p.type || '?') + (p.list ? ' list' : '') }),
          h('td', null, p.required ? h('span', { class: 'yes', text: 'required' }) : h('span', { class: 'muted', text: 'optional' })),
          h('td', null, p.secret ? h('span', { class: 'secret', text: 'secret' }) : h('span', { class: 'muted', text: 'no' })),
          h('td', null, Object.prototype.hasOwnProperty.call(p, 'default') ? h('code', { text: compactJson(p.default, 80) }) : h('span', { class: 'muted', text: '—' })))))))
      : h('p', { class: 'muted', text: 'No parameters.' });

    const flow = h('ol', { class: 'flow', 'aria-label': 'Steps of ' + w.name },
      h('li', { class: 'flow-node flow-trigger' },
        h('div', { class: 'box' }, h('span', { class: 'box-kind', text: 'trigger' }), h('strong', { text: triggerText(t) }))),
      (w.steps || []).map((s) => h('li', { class: 'flow-node' + (s.condition ? ' conditional' : '') },
        h('div', { class: 'box' },
          h('div', { class: 'box-head' },
            h('span', { class: 'box-index', text: String(s.index !== undefined ? s.index : '') }),
            h('code', { class: 'box-action', text: s.action || '?' }),
            s.id ? h('span', { class: 'box-id' }, 'id ', h('code', { text: s.id })) : null),
          s.condition ? h('p', { class: 'box-cond' }, 'only when ', h('code', { text: s.condition })) : null,
          s.args && Object.keys(s.args).length
            ? h('details', { class: 'box-args' }, h('summary', { text: 'Arguments' }), pre(s.args, 'Arguments of step ' + s.index))
            : null))));

    return h('article', { class: 'card wf', id: 'wf-' + w.name, 'aria-labelledby': 'wf-title-' + w.name },
      h('header', { class: 'card-head' },
        h('h2', { id: 'wf-title-' + w.name }, w.name),
        badge(t.kind),
        h('a', { class: 'card-link', href: hashFor('runs', null, { workflow: w.name }) }, 'Runs of ' + w.name)),
      w.description ? h('p', { class: 'desc', text: w.description }) : null,
      h('dl', { class: 'facts' }, details.map(([k, v]) => [h('dt', { text: k }), h('dd', null, v)])),
      h('h3', { text: 'Parameters' }), paramTable,
      h('h3', { text: 'Steps' }), flow);
  }

  // ---------------------------------------------------------------- runs

  async function viewRuns(ctx) {
    if (ctx.parts[1]) return viewRun(ctx, ctx.parts[1]);
    const { root, query } = ctx;
    const wfs = await workflows();
    if (!ctx.alive()) return;
    const f = {
      workflow: query.get('workflow') || '',
      status: query.get('status') || '',
      trigger: query.get('trigger') || '',
      version: query.get('version') || '',
      range: query.get('range') || 'all',
    };
    const state = { runs: [], cursor: null, seen: null, single: false, pages: 1, fseq: 0 };

    const versions = h('datalist', { id: 'versions-list' }, wfs.map((w) => h('option', { value: w.version || '' }, w.name)));
    const versionInput = h('input', { id: 'f-version', name: 'version', type: 'text', value: f.version, placeholder: 'any', spellcheck: 'false', list: 'versions-list', autocomplete: 'off' });
    const onChange = () => {
      f.workflow = $('f-workflow').value;
      f.status = $('f-status').value;
      f.trigger = $('f-trigger').value;
      f.version = versionInput.value.trim();
      f.range = $('f-range').value;
      setQuery('runs', Object.assign({}, f, { range: f.range === 'all' ? '' : f.range }));
      state.runs = []; state.cursor = null; state.seen = null; state.pages = 1; state.fseq++;
      load();
    };
    versionInput.addEventListener('change', onChange);
    const refresh = refreshLine();
    const live = liveToggle('runs', false, () => load(true));
    const refreshBtn = h('button', { type: 'button', class: 'secondary', text: 'Refresh' });
    refreshBtn.addEventListener('click', () => load());
    const form = h('form', { class: 'filters', 'aria-label': 'Run filters' },
      select('f-workflow', 'Workflow', [['', 'All workflows'], ...wfs.map((w) => [w.name, w.name])], f.workflow, onChange),
      select('f-status', 'Status', [['', 'Any status'], ...RUN_STATUSES.map((s) => [s, s])], f.status, onChange),
      select('f-trigger', 'Trigger', [['', 'Any trigger'], ...RUN_TRIGGERS.map((s) => [s, s])], f.trigger, onChange),
      h('div', { class: 'field' }, h('label', { for: 'f-version', text: 'Version' }), versionInput, versions),
      select('f-range', 'Started', RANGES.map(([v, t]) => [v, t]), f.range, onChange),
      live.el, refreshBtn);
    form.addEventListener('submit', (e) => { e.preventDefault(); onChange(); });
    const errors = h('div', { class: 'errors' });
    const table = h('div', { class: 'runs-table' }, h('p', { class: 'loading', text: 'Loading runs…' }));
    const more = h('div', { class: 'more' });
    add(ctx.root, heading('Runs'), form, refresh.el, errors, table, more);

    async function fetchRuns(cursor) {
      const q = (extra) => {
        const p = new URLSearchParams();
        for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
        return p.toString();
      };
      if (f.workflow || f.status) {
        const d = await api('runs?' + q({ workflow: f.workflow, status: f.status, version: f.workflow ? f.version : '', limit: 100, cursor }));
        let runs = d.runs || [];
        if (f.version && !f.workflow) runs = runs.filter((r) => r.definition_version === f.version);
        return { runs, cursor: d.cursor || null, single: true };
      }
      // the API lists runs per workflow or per status: "all" is each workflow's newest, merged
      const pages = await Promise.all(wfs.map((w) => api('runs?' + q({ workflow: w.name, version: f.version, limit: RUNS_PER_WORKFLOW }))));
      const runs = pages.flatMap((p) => p.runs || []);
      return { runs, cursor: null, single: false };
    }

    // isPoll: the live refresh merges the newest page into what is shown; append: "Load older runs"
    async function load(isPoll, append) {
      const fseq = state.fseq;
      let d;
      try {
        d = await fetchRuns(append ? state.cursor : undefined);
      } catch (e) {
        if (!ctx.alive() || e.handled || fseq !== state.fseq) return;
        swap(errors, errorBox(e, 'Could not list runs'));
        refresh.set('Refresh failed: ' + e.code, true);
        return;
      }
      if (!ctx.alive() || fseq !== state.fseq) return; // the filters changed meanwhile
      errors.replaceChildren();
      const byId = new Map();
      if (append || isPoll) for (const r of state.runs) byId.set(r.run_id, r);
      for (const r of d.runs) byId.set(r.run_id, r);
      state.runs = [...byId.values()].sort((a, b) => ts(b.started_at) - ts(a.started_at));
      if (append) { state.cursor = d.cursor; state.pages++; }
      else if (!isPoll || state.pages === 1) { state.cursor = d.cursor; state.pages = 1; }
      state.single = d.single;
      render(isPoll);
    }

    function render(isPoll) {
      const range = RANGES.find((r) => r[0] === f.range);
      const since = range && range[2] ? Date.now() - range[2] : null;
      let runs = state.runs;
      if (f.trigger) runs = runs.filter((r) => r.trigger === f.trigger);
      if (since) runs = runs.filter((r) => ts(r.started_at) >= since);
      if (!state.single) runs = runs.slice(0, RUNS_SHOWN);
      const prev = state.seen;
      state.seen = new Set(state.runs.map((r) => r.run_id));
      const fresh = prev ? runs.filter((r) => !prev.has(r.run_id)).length : 0;
      refresh.set(runs.length + ' run' + (runs.length === 1 ? '' : 's') + (fresh ? ' · ' + fresh + ' new' : ''));
      if (!runs.length) {
        swap(table, h('p', { class: 'empty', text: 'No runs match these filters.' }));
      } else {
        swap(table, h('div', { class: 'table-wrap' }, h('table', { class: 'data runs', id: 'runs-table' },
          h('caption', { class: 'visually-hidden', text: 'Runs, newest first' }),
          h('thead', null, h('tr', null, ['Run', 'Status', 'Trigger', 'Started', 'Duration', 'Attempt', 'Version'].map((x) => h('th', { scope: 'col', text: x })))),
          h('tbody', null, runs.map((r) => runRow(r, prev && !prev.has(r.run_id)))))));
      }
      more.replaceChildren();
      if (state.single && state.cursor) {
        const b = h('button', { type: 'button', class: 'secondary', text: 'Load older runs', dataset: { focusKey: 'more' } });
        b.addEventListener('click', () => load(false, true));
        more.append(b);
      } else if (!state.single && !isPoll && state.runs.length >= RUNS_SHOWN) {
        more.append(h('p', { class: 'muted', text: 'Showing the newest runs of each workflow; pick a workflow or status to page further back.' }));
      }
    }

    function runRow(r, isNew) {
      const tr = h('tr', { class: 'clickable' + (isNew ? ' new' : ''), dataset: { runId: r.run_id } },
        h('td', { class: 'run-cell' }, h('a', { href: hashFor('runs', r.run_id), dataset: { focusKey: 'run:' + r.run_id } },
          h('span', { class: 'run-wf', text: r.workflow || '—' }), ' ', h('span', { class: 'run-id mono', text: r.run_id }))),
        h('td', null, badge(r.status)),
        h('td', { text: r.trigger || '—' }),
        h('td', null, timeEl(r.started_at, true)),
        h('td', { class: 'num', text: r.status === 'running' ? '…' : fmtMs(r.duration_ms) }),
        h('td', { class: 'num', text: r.attempt !== undefined ? String(r.attempt) : '—' }),
        h('td', null, h('code', { text: r.definition_version || '' })));
      tr.addEventListener('click', (e) => {
        if (e.target.closest('a, button, input, select') || String(window.getSelection())) return;
        location.hash = hashFor('runs', r.run_id);
      });
      return tr;
    }

    await load();
    live.start();
  }

  async function viewRun(ctx, id) {
    const { root } = ctx;
    add(root, h('p', { class: 'crumbs' }, link('runs', null, '← Runs')), heading('Run ', h('code', { text: id })));
    const notice = h('div', { class: 'notice', role: 'status' });
    const body = h('div', { class: 'run-body' }, h('p', { class: 'loading', text: 'Loading run…' }));
    add(root, notice, body);
    let stopPoll = null;
    let wfs = null;
    try { wfs = await workflows(); } catch (e) { if (e.handled) return; wfs = []; }

    async function load() {
      let run;
      try {
        run = await api('runs/' + encodeURIComponent(id));
      } catch (e) {
        if (!ctx.alive() || e.handled) return;
        swap(body, errorBox(e, 'Could not read run ' + id));
        return;
      }
      if (!ctx.alive()) return;
      swap(body, renderRun(run, (wfs || []).find((w) => w.name === run.workflow), retry));
      if (run.status === 'running' && !stopPoll) stopPoll = poll(load, POLL_MS);
      if (run.status !== 'running' && stopPoll) { stopPoll(); stopPoll = null; }
    }

    async function retry(button) {
      button.disabled = true;
      try {
        const d = await api('runs/' + encodeURIComponent(id) + '/retry', { method: 'POST' });
        if (!ctx.alive()) return;
        swap(notice, h('p', { class: 'ok', text: 'Retry started: run ' + (d && d.run_id ? d.run_id : id) + ' is ' + (d && d.status ? d.status : 'running') + '.' }));
        announce('Retry started');
      } catch (e) {
        if (!ctx.alive() || e.handled) return;
        swap(notice, errorBox(e, 'Retry failed'));
        button.disabled = false;
        return;
      }
      await load();
      if (ctx.alive() && !stopPoll) stopPoll = poll(load, POLL_MS);
    }

    await load();
  }

  function renderRun(run, wf, onRetry) {
    const out = [];
    const facts = [
      ['Workflow', run.workflow ? link('workflows', run.workflow, run.workflow) : '—'],
      ['Status', badge(run.status)],
      ['Trigger', run.trigger || '—'],
      ['Caller', run.caller || '—'],
      ['Stage', run.stage || '—'],
      ['Version', h('span', null, h('code', { text: run.definition_version || '—' }),
        wf && wf.version === run.definition_version ? h('span', { class: 'muted', text: ' (current)' }) : wf ? h('span', { class: 'muted', text: ' (current is ' + wf.version + ')' }) : null)],
      ['Started', timeEl(run.started_at, true)],
      ['Ended', timeEl(run.ended_at, true)],
      ['Duration', run.status === 'running' ? 'running…' : fmtMs(run.duration_ms)],
      ['Attempt', run.attempt !== undefined ? String(run.attempt) : '—'],
    ];
    if (run.reason) facts.push(['Reason', run.reason]);
    out.push(h('dl', { class: 'facts run-facts' }, facts.map(([k, v]) => [h('dt', { text: k }), h('dd', null, v)])));

    const actions = h('div', { class: 'actions' });
    if (run.status === 'failed') {
      const b = h('button', { type: 'button', id: 'retry-run', dataset: { focusKey: 'retry' }, text: 'Retry' });
      b.addEventListener('click', () => onRetry(b));
      actions.append(b);
    }
    if (run.workflow) actions.append(' ', h('a', { href: hashFor('runs', null, { workflow: run.workflow }) }, 'Other runs of ' + run.workflow));
    out.push(actions);

    if (run.error) out.push(errorBox(run.error, 'The run ' + (run.status || '') + ' with'));

    // ---- timeline
    const steps = Array.isArray(run.steps) ? run.steps.slice().sort((a, b) => (a.index || 0) - (b.index || 0)) : [];
    const t0 = ts(run.started_at);
    let total = Number(run.duration_ms) || 0;
    if (run.status === 'running' && Number.isFinite(t0)) total = Math.max(total, Date.now() - t0);
    for (const s of steps) {
      const off = ts(s.started_at) - t0;
      if (Number.isFinite(off)) total = Math.max(total, off + (Number(s.duration_ms) || 0));
    }
    if (!(total > 0)) total = 1;
    const defSteps = wf && wf.version === run.definition_version ? wf.steps || [] : [];
    const seen = new Set(steps.map((s) => s.index));
    const notRun = defSteps.filter((d) => !seen.has(d.index));

    out.push(h('h2', { text: 'Timeline' }));
    out.push(h('p', { class: 'scale muted' }, 'Bars are placed from the run’s start; the full width is ', fmtMs(total), '.'));
    const items = steps.map((s) => {
      const off = ts(s.started_at) - t0;
      const dur = Number(s.duration_ms) || 0;
      const bar = h('div', { class: 'tl-bar st-' + String(s.status || '').replace(/[^a-z_]/gi, ''), title: (s.id || s.action) + ': ' + fmtMs(dur) });
      bar.style.left = (Number.isFinite(off) ? Math.min(100, Math.max(0, (off / total) * 100)) : 0).toFixed(3) + '%';
      bar.style.width = Math.min(100, (dur / total) * 100).toFixed(3) + '%';
      const cond = Object.prototype.hasOwnProperty.call(s, 'condition')
        ? h('span', { class: 'cond cond-' + (s.condition ? 'true' : 'false'), text: 'condition ' + (s.condition ? 'true' : 'false') })
        : null;
      const detail = [];
      const def = defSteps.find((d) => d.index === s.index);
      if (def && def.condition) detail.push(h('p', { class: 'muted' }, 'only when ', h('code', { text: def.condition })));
      if (s.error) detail.push(errorBox(s.error));
      if (Object.prototype.hasOwnProperty.call(s, 'output')) {
        detail.push(h('details', { class: 'step-output' }, h('summary', { text: 'Output' }), pre(s.output, 'Output of step ' + s.index)));
      }
      return h('li', { class: 'tl-step', dataset: { index: s.index } },
        h('div', { class: 'tl-label' },
          h('span', { class: 'tl-index', text: '#' + s.index }),
          h('code', { class: 'tl-action', text: s.action || '?' }),
          s.id ? h('span', { class: 'tl-id' }, 'id ', h('code', { text: s.id })) : null),
        h('div', { class: 'tl-meta' }, badge(s.status), cond,
          h('span', { class: 'tl-attempt', text: 'attempt ' + (s.attempt !== undefined ? s.attempt : '—') }),
          h('span', { class: 'tl-dur', text: fmtMs(dur) }),
          s.started_at ? h('span', { class: 'muted tl-offset', text: '+' + fmtMs(Math.max(0, off)) }) : null),
        h('div', { class: 'tl-track', 'aria-hidden': 'true' }, bar),
        detail.length ? h('div', { class: 'tl-detail' }, detail) : null);
    });
    for (const d of notRun) {
      items.push(h('li', { class: 'tl-step tl-notrun', dataset: { index: d.index } },
        h('div', { class: 'tl-label' }, h('span', { class: 'tl-index', text: '#' + d.index }), h('code', { class: 'tl-action', text: d.action || '?' }),
          d.id ? h('span', { class: 'tl-id' }, 'id ', h('code', { text: d.id })) : null),
        h('div', { class: 'tl-meta' }, h('span', { class: 'badge st-notrun', text: run.status === 'running' ? 'not yet' : 'not run' })),
        h('div', { class: 'tl-track', 'aria-hidden': 'true' })));
    }
    out.push(steps.length || notRun.length
      ? h('ol', { class: 'timeline', id: 'timeline', 'aria-label': 'Steps of the run' }, items)
      : h('p', { class: 'empty', text: 'No steps ran (the run was ' + (run.status || '?') + ' before its first step).' }));

    // ---- journal state
    const started = steps.filter((s) => s.status === 'started');
    out.push(h('h2', { text: 'Journal state' }));
    out.push(h('p', null,
      'Run attempt ', h('strong', { text: String(run.attempt !== undefined ? run.attempt : '—') }),
      '; ', String(steps.length), ' step', steps.length === 1 ? '' : 's', ' in the journal',
      defSteps.length ? ' of ' + defSteps.length + ' defined' : '',
      started.length ? '; started but not finished: ' + started.map((s) => '#' + s.index).join(', ') : '; none left unfinished', '.'));
    if (steps.length) {
      out.push(h('div', { class: 'table-wrap' }, h('table', { class: 'data journal' },
        h('caption', { class: 'visually-hidden', text: 'Journal entries' }),
        h('thead', null, h('tr', null, ['Step', 'Action', 'Status', 'Attempt', 'Started', 'Duration'].map((x) => h('th', { scope: 'col', text: x })))),
        h('tbody', null, steps.map((s) => h('tr', null,
          h('td', null, '#' + s.index, s.id ? ' ' : '', s.id ? h('code', { text: s.id }) : null),
          h('td', null, h('code', { text: s.action || '' })),
          h('td', null, badge(s.status), s.status === 'started' ? h('span', { class: 'muted', text: ' in the journal, not finished' }) : null),
          h('td', { class: 'num', text: s.attempt !== undefined ? String(s.attempt) : '—' }),
          h('td', null, timeEl(s.started_at)),
          h('td', { class: 'num', text: fmtMs(s.duration_ms) })))))));
    }

    out.push(h('h2', { text: 'Input' }));
    out.push(pre(run.params || {}, 'Parameters of the run'));
    if (Object.prototype.hasOwnProperty.call(run, 'response')) {
      out.push(h('h2', { text: 'Response' }));
      out.push(pre(run.response, 'Response of the run'));
    }
    return out;
  }

  // ---------------------------------------------------------------- schedules & chains

  function scheduledBy(v) {
    if (!v) return h('span', { class: 'muted', text: '—' });
    const m = /^(run|batch):(.+)$/.exec(String(v));
    if (m && m[1] === 'run') return h('span', null, 'run ', link('runs', m[2], m[2], { class: 'mono small' }));
    if (m && m[1] === 'batch') return h('span', null, 'batch ', link('batches', m[2], m[2], { class: 'mono small' }));
    return h('span', { class: 'mono', text: String(v) });
  }

  function scheduleTable(rows, onAction, caption) {
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data schedules', id: 'schedules-table' },
      h('caption', { class: 'visually-hidden', text: caption }),
      h('thead', null, h('tr', null, ['Scheduled run', 'Workflow and params', 'Due', 'Status', 'Actions', 'Scheduled by', 'Chain'].map((x) => h('th', { scope: 'col', text: x })))),
      h('tbody', null, rows.map((s) => {
        const actions = h('td', { class: 'row-actions' });
        if (s.status === 'pending') {
          actions.append(confirmButtons('cancel:' + s.id, 'Cancel', 'Confirm cancel', () => onAction('cancel', s),
            { ariaLabel: 'Cancel scheduled run ' + s.id }));
        }
        if (s.status === 'failed') {
          const b = h('button', { type: 'button', dataset: { focusKey: 'retry:' + s.id }, text: 'Retry', 'aria-label': 'Retry scheduled run ' + s.id });
          b.addEventListener('click', () => { b.disabled = true; onAction('retry', s); });
          actions.append(b);
        }
        if (s.run_id) actions.append(link('runs', s.run_id, 'Run', { 'aria-label': 'Run of ' + s.id }));
        return h('tr', { dataset: { scheduleId: s.id } },
          h('td', { class: 'wrap id-cell' }, h('span', { class: 'mono small', text: s.id }), h('div', { class: 'muted small', text: s.kind || '' })),
          h('td', null, s.workflow || '—',
            h('div', null, h('code', { class: 'params-cell muted small', title: compactJson(s.params, 2000), text: compactJson(s.params, 60) }))),
          h('td', null, timeEl(s.due_at, true)),
          h('td', null, badge(s.status), s.error ? h('div', { class: 'error-text small wrap', text: (s.error.code ? s.error.code + ': ' : '') + (s.error.message || '') }) : null),
          actions,
          h('td', { class: 'wrap' }, scheduledBy(s.scheduled_by)),
          h('td', null, s.chain_id ? link('chains', s.chain_id, 'chain', { 'aria-label': 'Chain ' + s.chain_id }) : '—',
            s.iteration !== undefined ? h('span', { class: 'muted', text: ' #' + s.iteration }) : null));
      }))));
  }

  async function scheduleAction(kind, s, notice) {
    try {
      if (kind === 'cancel') {
        const d = await api('schedules/' + encodeURIComponent(s.id), { method: 'DELETE' });
        const msg = d && d.cancelled === false
          ? 'Scheduled run ' + s.id + ' was not cancelled: it is ' + (d.status || 'no longer pending') + '.'
          : 'Cancelled scheduled run ' + s.id + '.';
        swap(notice, h('p', { class: d && d.cancelled === false ? 'warn' : 'ok', text: msg }));
        announce(msg);
      } else if (kind === 'retry') {
        const d = await api('schedules/' + encodeURIComponent(s.id) + '/retry', { method: 'POST' });
        const msg = 'Retrying scheduled run ' + s.id + (d && d.status ? ' (' + d.status + ')' : '') + '.';
        swap(notice, h('p', { class: 'ok', text: msg }));
        announce(msg);
      }
    } catch (e) {
      if (e.handled) return;
      swap(notice, errorBox(e, kind === 'cancel' ? 'Could not cancel ' + s.id : 'Could not retry ' + s.id));
    }
  }

  function thingText(ev) {
    if (!ev.thing_id) return '';
    return (ev.thing_type ? ev.thing_type + ' ' : '') + ev.thing_id;
  }

  /** Recurring events (set_recurring): one row each, with Cancel (confirmed by a second click). */
  function recurringEventTable(events, onCancel) {
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data recurring-events', id: 'recurring-events-table' },
      h('caption', { class: 'visually-hidden', text: 'Recurring events' }),
      h('thead', null, h('tr', null, ['Workflow and params', 'Thing', 'Schedule', 'Start', 'Created by', 'Actions'].map((x) => h('th', { scope: 'col', text: x })))),
      h('tbody', null, events.map((ev) => h('tr', { dataset: { recurringId: ev.id || '' } },
        h('td', null, ev.workflow ? link('workflows', ev.workflow, ev.workflow) : '—',
          h('div', { class: 'muted small mono', text: ev.id || '' }),
          h('div', null, h('code', { class: 'params-cell muted small', title: compactJson(ev.params, 2000), text: compactJson(ev.params || {}, 60) }))),
        h('td', { class: 'wrap' }, ev.thing_id
          ? [ev.thing_type ? h('span', { class: 'muted', text: ev.thing_type + ' ' }) : null, h('code', { text: ev.thing_id })]
          : h('span', { class: 'muted', text: '— (none)' })),
        h('td', null, h('code', { text: ev.schedule || '—' }), h('div', { class: 'muted small', text: ev.timezone || 'UTC' })),
        h('td', null, timeEl(ev.start, true)),
        h('td', { class: 'wrap' }, scheduledBy(ev.created_by), ev.created_at ? h('div', { class: 'muted small' }, 'at ', timeEl(ev.created_at)) : null),
        h('td', { class: 'row-actions' },
          confirmButtons('cancel-recurring:' + ev.id, 'Cancel', 'Confirm cancel', () => onCancel(ev),
            { ariaLabel: 'Cancel recurring event ' + ev.id }),
          ev.workflow ? h('a', { href: hashFor('runs', null, { workflow: ev.workflow, trigger: 'recurring' }), 'aria-label': 'Runs of ' + ev.workflow }, 'Runs') : null))))));
  }

  async function viewSchedules(ctx) {
    const { root, query } = ctx;
    const wfs = await workflows();
    if (!ctx.alive()) return;
    const f = { status: query.get('status') || 'pending', workflow: query.get('workflow') || '' };
    const state = { rows: [], cursor: null };
    const onChange = () => {
      f.status = $('s-status').value;
      f.workflow = $('s-workflow').value;
      setQuery('schedules', { status: f.status === 'pending' ? '' : f.status, workflow: f.workflow });
      load();
      loadEvents();
    };
    const refresh = refreshLine();
    const live = liveToggle('schedules', false, () => Promise.all([load(true), loadEvents()]));
    const refreshBtn = h('button', { type: 'button', class: 'secondary', text: 'Refresh' });
    refreshBtn.addEventListener('click', () => { load(); loadEvents(); });
    const form = h('form', { class: 'filters', 'aria-label': 'Schedule filters' },
      select('s-status', 'Status', SCHEDULE_STATUSES.map((s) => [s, s]), f.status, onChange),
      select('s-workflow', 'Workflow', [['', 'All workflows'], ...wfs.map((w) => [w.name, w.name])], f.workflow, onChange),
      live.el, refreshBtn);
    form.addEventListener('submit', (e) => e.preventDefault());
    const notice = h('div', { class: 'notice', tabindex: '-1' });
    const table = h('div', null, h('p', { class: 'loading', text: 'Loading scheduled runs…' }));
    const more = h('div', { class: 'more' });

    const recurring = wfs.filter((w) => w.trigger && w.trigger.kind === 'recurring');
    const recurringSection = h('section', { 'aria-labelledby': 'recurring-title' },
      h('h2', { id: 'recurring-title', text: 'Recurring workflows' }),
      recurring.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'recurring-table' },
          h('caption', { class: 'visually-hidden', text: 'Recurring workflows' }),
          h('thead', null, h('tr', null, ['Workflow', 'Every', 'Time zone', ''].map((x) => h('th', { scope: 'col', text: x })))),
          h('tbody', null, recurring.map((w) => h('tr', null,
            h('th', { scope: 'row' }, link('workflows', w.name, w.name)),
            h('td', null, h('code', { text: w.trigger.every || '—' })),
            h('td', { text: w.trigger.timezone || 'UTC' }),
            h('td', null, h('a', { href: hashFor('runs', null, { workflow: w.name }), 'aria-label': 'Runs of ' + w.name }, 'Runs')))))))
        : h('p', { class: 'muted', text: 'No recurring workflows.' }));

    const eventsNotice = h('div', { class: 'notice', tabindex: '-1' });
    const events = h('div', { id: 'recurring-events' }, h('p', { class: 'loading', text: 'Loading recurring events…' }));
    const eventsSection = h('section', { 'aria-labelledby': 'recurring-events-title' },
      h('h2', { id: 'recurring-events-title', text: 'Recurring events' }),
      h('p', { class: 'lead' }, 'Set at run time by ', h('code', { text: 'set_recurring' }),
        ' steps: a workflow that runs on a schedule for a thing, until cancelled.'),
      eventsNotice, events);

    add(root, heading('Schedules'), form, refresh.el, notice, table, more, recurringSection, eventsSection);

    async function loadEvents() {
      let d;
      try {
        d = await api('recurring' + (f.workflow ? '?' + new URLSearchParams({ workflow: f.workflow }) : ''));
      } catch (e) {
        if (!ctx.alive() || e.handled) return;
        swap(events, e.status === 404 && e.code === 'not_found'
          ? h('p', { class: 'empty', text: 'This server does not list recurring events.' })
          : errorBox(e, 'Could not list recurring events'));
        return;
      }
      if (!ctx.alive()) return;
      const list = Array.isArray(d && d.recurring) ? d.recurring : [];
      swap(events, list.length
        ? recurringEventTable(list, cancelEvent)
        : h('p', { class: 'empty', text: 'No recurring events' + (f.workflow ? ' of ' + f.workflow : '') + '. A set_recurring step sets one.' }));
    }

    async function cancelEvent(ev) {
      const what = 'recurring event ' + ev.id;
      try {
        await api('recurring/' + encodeURIComponent(ev.id), { method: 'DELETE' });
        const msg = 'Cancelled ' + what + ' (' + (ev.workflow || '?') + (ev.thing_id ? ' on ' + thingText(ev) : '') + ').';
        swap(eventsNotice, h('p', { class: 'ok', text: msg }));
        announce(msg);
      } catch (e) {
        if (e.handled) return;
        if (e.status === 404 && e.code === 'recurring_not_found') {
          const msg = 'The ' + what + ' was already gone (cancelled meanwhile).';
          swap(eventsNotice, h('p', { class: 'warn', text: msg }));
          announce(msg);
        } else {
          swap(eventsNotice, errorBox(e, 'Could not cancel ' + what));
        }
      }
      if (!ctx.alive()) return;
      await loadEvents();
      eventsNotice.focus({ preventScroll: true });
    }

    async function act(kind, s) {
      await scheduleAction(kind, s, notice);
      if (!ctx.alive()) return;
      await load();
      notice.focus({ preventScroll: true });
    }

    async function load(isPoll, append) {
      const p = new URLSearchParams({ status: f.status, limit: '50' });
      if (f.workflow) p.set('workflow', f.workflow);
      if (append && state.cursor) p.set('cursor', state.cursor);
      let d;
      try {
        d = await api('schedules?' + p);
      } catch (e) {
        if (!ctx.alive() || e.handled) return;
        swap(table, errorBox(e, 'Could not list scheduled runs'));
        refresh.set('Refresh failed: ' + e.code, true);
        return;
      }
      if (!ctx.alive()) return;
      const rows = d.schedules || [];
      if (append) state.rows = state.rows.concat(rows);
      else if (!(isPoll && state.paged)) state.rows = rows;
      else {
        const byId = new Map(state.rows.map((r) => [r.id, r]));
        for (const r of rows) byId.set(r.id, r);
        state.rows = [...byId.values()];
      }
      if (append) state.paged = true;
      if (!isPoll || append) state.cursor = d.cursor || null;
      refresh.set(state.rows.length + ' ' + f.status + ' scheduled run' + (state.rows.length === 1 ? '' : 's'));
      swap(table, state.rows.length
        ? scheduleTable(state.rows, act, 'Scheduled runs (' + f.status + ')')
        : h('p', { class: 'empty', text: 'No ' + f.status + ' scheduled runs' + (f.workflow ? ' of ' + f.workflow : '') + '.' }));
      more.replaceChildren();
      if (state.cursor) {
        const b = h('button', { type: 'button', class: 'secondary', text: 'Load more', dataset: { focusKey: 'more' } });
        b.addEventListener('click', () => load(false, true));
        more.append(b);
      }
    }

    await Promise.all([load(), loadEvents()]);
    live.start();
  }

  async function viewChain(ctx) {
    const { root, parts } = ctx;
    const id = parts[1];
    add(root, h('p', { class: 'crumbs' }, link('schedules', null, '← Schedules')), heading('Chain ', h('code', { text: id || '' })));
    if (!id) { add(root, h('p', { text: 'Open a chain from a scheduled run.' })); return; }
    const notice = h('div', { class: 'notice', tabindex: '-1' });
    const body = h('div', null, h('p', { class: 'loading', text: 'Loading chain…' }));
    add(root, notice, body);

    async function load() {
      let c;
      try {
        c = await api('chains/' + encodeURIComponent(id));
      } catch (e) {
        if (!ctx.alive() || e.handled) return;
        swap(body, errorBox(e, 'Could not read chain ' + id));
        return;
      }
      if (!ctx.alive()) return;
      const counts = c.counts || {};
      const out = [h('dl', { class: 'facts' },
        h('dt', { text: 'Chain' }), h('dd', null, h('code', { text: c.chain_id || id })),
        h('dt', { text: 'Cancelled' }), h('dd', { text: c.cancelled ? 'yes' : 'no' }),
        h('dt', { text: 'Iterations' }), h('dd', { text: c.iterations !== undefined ? String(c.iterations) : '—' }),
        h('dt', { text: 'By status' }), h('dd', null, Object.keys(counts).length
          ? Object.entries(counts).map(([k, v]) => h('span', { class: 'count' }, badge(k), ' ', String(v), ' '))
          : '—'))];
      // cancelling stops what is still to come: only offered while an iteration is pending or running
      if (!c.cancelled && (counts.pending || counts.running)) {
        out.push(h('div', { class: 'actions' }, confirmButtons('chain:' + id, 'Cancel chain', 'Confirm cancel chain', async () => {
          try {
            await api('chains/' + encodeURIComponent(id), { method: 'DELETE' });
            swap(notice, h('p', { class: 'ok', text: 'Cancelled chain ' + id + '.' }));
            announce('Cancelled chain ' + id);
          } catch (e) {
            if (e.handled) return;
            swap(notice, errorBox(e, 'Could not cancel chain ' + id));
          }
          if (ctx.alive()) { await load(); notice.focus({ preventScroll: true }); }
        })));
      }
      const runs = Array.isArray(c.runs) ? c.runs : [];
      out.push(h('h2', { text: 'Scheduled runs of the chain' }));
      out.push(runs.length ? scheduleTable(runs, async (kind, s) => {
        await scheduleAction(kind, s, notice);
        if (ctx.alive()) { await load(); notice.focus({ preventScroll: true }); }
      }, 'Scheduled runs of chain ' + id) : h('p', { class: 'empty', text: 'No scheduled runs.' }));
      swap(body, out);
    }
    await load();
  }

  // ---------------------------------------------------------------- batches

  function batchCard(b, onAction) {
    const total = Number(b.total) || 0;
    const done = Number(b.done) || 0;
    const failed = Number(b.failed) || 0;
    const finished = done + failed;
    const pct = (n) => (total > 0 ? Math.min(100, (n / total) * 100) : 0);
    const bar = h('div', {
      class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(total), 'aria-valuenow': String(finished),
      'aria-valuetext': finished + ' of ' + total + (failed ? ' (' + failed + ' failed)' : ''),
      'aria-label': 'Progress of batch ' + b.id,
    });
    const okSeg = h('div', { class: 'progress-done' });
    okSeg.style.width = pct(done).toFixed(2) + '%';
    const failSeg = h('div', { class: 'progress-failed' });
    failSeg.style.width = pct(failed).toFixed(2) + '%';
    bar.append(okSeg, failSeg);

    let eta = '—';
    if (b.eta) eta = h('span', null, timeEl(b.eta, true));
    else if (b.eta_not_before) eta = h('span', null, 'not before ', timeEl(b.eta_not_before, true));
    else if (b.status === 'paused') eta = 'paused';

    const actions = h('div', { class: 'actions' });
    const act = (op, label) => {
      const btn = h('button', { type: 'button', dataset: { focusKey: op + ':' + b.id, op }, text: label, 'aria-label': label + ' batch ' + b.id });
      btn.addEventListener('click', () => { btn.disabled = true; onAction(op, b); });
      return btn;
    };
    if (b.status === 'running') actions.append(act('pause', 'Pause'), ' ');
    if (b.status === 'paused') actions.append(act('resume', 'Resume'), ' ');
    if (b.status === 'done' && failed > 0) actions.append(act('retry', 'Retry failed'), ' ');
    if (b.status !== 'done' && b.status !== 'cancelled') {
      actions.append(confirmButtons('cancel-batch:' + b.id, 'Cancel', 'Confirm cancel', () => onAction('cancel', b), { ariaLabel: 'Cancel batch ' + b.id }));
    }

    const failures = Array.isArray(b.failures) ? b.failures : [];
    return h('article', { class: 'card batch', dataset: { batchId: b.id, status: b.status || '' }, 'aria-labelledby': 'batch-title-' + b.id },
      h('header', { class: 'card-head' },
        h('h2', { id: 'batch-title-' + b.id }, b.workflow || 'batch', ' ', h('span', { class: 'muted small mono', text: b.id })),
        badge(b.status),
        h('a', { class: 'card-link', href: hashFor('batches', b.id) }, 'Details')),
      bar,
      h('p', { class: 'batch-counts' },
        h('span', { class: 'c-done', text: done + ' done' }), ' · ',
        h('span', { class: failed ? 'c-failed' : '', text: failed + ' failed' }), ' · ',
        h('span', { text: (b.remaining !== undefined ? b.remaining : Math.max(0, total - finished)) + ' remaining' }), ' · of ',
        h('strong', { text: String(total) }), b.total_final === false ? h('span', { class: 'muted', text: ' so far (still listing items)' }) : null),
      h('dl', { class: 'facts inline' },
        h('dt', { text: 'Rate' }), h('dd', { text: b.rate !== null && b.rate !== undefined ? b.rate + ' / s' : 'unthrottled' }),
        h('dt', { text: 'Batch size' }), h('dd', { text: b.batch_size !== undefined ? String(b.batch_size) : '—' }),
        h('dt', { text: 'ETA' }), h('dd', null, eta)),
      actions,
      failures.length ? h('details', { class: 'failures', open: true },
        h('summary', { text: 'Failures (' + failures.length + (b.more_failures ? '+, more not shown' : '') + ')' }),
        h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
          h('thead', null, h('tr', null, ['Scheduled run', 'Item', 'Error'].map((x) => h('th', { scope: 'col', text: x })))),
          h('tbody', null, failures.map((x) => h('tr', null,
            h('td', null, x.scheduled_run_id ? link('runs', x.scheduled_run_id, x.scheduled_run_id, { class: 'mono' }) : '—'),
            h('td', null, h('code', { text: compactJson(x.item, 120) })),
            h('td', { text: x.error ? (typeof x.error === 'object' ? (x.error.code ? x.error.code + ': ' : '') + (x.error.message || '') : String(x.error)) : '—' }))))))) : null);
  }

  async function viewBatches(ctx) {
    const { root, parts, query } = ctx;
    const only = parts[1];
    const f = { status: query.get('status') || '' };
    const state = { jobs: [] };
    const refresh = refreshLine();
    const live = liveToggle('batches', true, () => load(true));
    const refreshBtn = h('button', { type: 'button', class: 'secondary', text: 'Refresh' });
    refreshBtn.addEventListener('click', () => load());
    const onChange = () => {
      f.status = $('b-status').value;
      setQuery('batches', f);
      load();
    };
    const form = h('form', { class: 'filters', 'aria-label': 'Batch filters' },
      only ? null : select('b-status', 'Status', [['', 'Any status'], ...BATCH_STATUSES.map((s) => [s, s])], f.status, onChange),
      live.el, refreshBtn);
    form.addEventListener('submit', (e) => e.preventDefault());
    const notice = h('div', { class: 'notice', tabindex: '-1' });
    const list = h('div', { class: 'batch-list', id: 'batch-list' }, h('p', { class: 'loading', text: 'Loading batch jobs…' }));
    add(root, only ? h('p', { class: 'crumbs' }, link('batches', null, '← Batches')) : null,
      heading(only ? 'Batch ' : 'Batch jobs', only ? h('code', { text: only }) : null), form, refresh.el, notice, list);

    async function onAction(op, b) {
      try {
        const path = 'batches/' + encodeURIComponent(b.id);
        const d = op === 'cancel' ? await api(path, { method: 'DELETE' }) : await api(path + '/' + op, { method: 'POST' });
        const past = { pause: 'Paused', resume: 'Resumed', retry: 'Retrying the failures of', cancel: 'Cancelled' }[op];
        const msg = past + ' batch ' + b.id + (d && d.status ? ' (now ' + d.status + ')' : '') + '.';
        if (d && d.id) state.jobs = state.jobs.map((j) => (j.id === d.id ? d : j));
        swap(notice, h('p', { class: 'ok', text: msg }));
        announce(msg);
      } catch (e) {
        if (e.handled) return;
        swap(notice, errorBox(e, 'Could not ' + op + ' batch ' + b.id));
      }
      if (!ctx.alive()) return;
      render();
      await load();
    }

    function render() {
      refresh.set(only ? 'Batch ' + ((state.jobs[0] && state.jobs[0].status) || '') : state.jobs.length + ' batch job' + (state.jobs.length === 1 ? '' : 's'));
      swap(list, state.jobs.length ? state.jobs.map((b) => batchCard(b, onAction))
        : h('p', { class: 'empty', text: 'No batch jobs' + (f.status ? ' in status ' + f.status : '') + '. A workflow step schedule_on_list starts one.' }));
    }

    async function load() {
      let jobs;
      try {
        if (only) jobs = [await api('batches/' + encodeURIComponent(only))];
        else {
          const p = new URLSearchParams({ limit: '50' });
          if (f.status) p.set('status', f.status);
          jobs = (await api('batches?' + p)).batches || [];
        }
      } catch (e) {
        if (!ctx.alive() || e.handled) return;
        swap(list, errorBox(e, 'Could not list batch jobs'));
        refresh.set('Refresh failed: ' + e.code, true);
        return;
      }
      if (!ctx.alive()) return;
      state.jobs = jobs;
      render();
    }

    await load();
    live.start();
  }

  // ---------------------------------------------------------------- outbox

  async function viewOutbox(ctx) {
    const { root } = ctx;
    const refresh = refreshLine();
    const live = liveToggle('outbox', false, () => load(true));
    const refreshBtn = h('button', { type: 'button', class: 'secondary', text: 'Refresh' });
    refreshBtn.addEventListener('click', () => load());
    const body = h('div', { class: 'outbox', id: 'outbox-list' }, h('p', { class: 'loading', text: 'Loading the outbox…' }));
    add(root, heading('Outbox'),
      h('p', { class: 'lead', text: 'Email the local runner captured instead of sending it (newest first).' }),
      h('form', { class: 'filters', 'aria-label': 'Outbox refresh' }, live.el, refreshBtn), refresh.el, body);

    async function load() {
      let d;
      try {
        d = await api('outbox');
      } catch (e) {
        if (!ctx.alive() || e.handled) return;
        if (e.status === 404) {
          S.outbox = false;
          $('nav-outbox').hidden = true;
          swap(body, h('p', { class: 'empty', text: 'This server has no outbox: it is a deployed stack, which sends email through SES. The outbox exists in the local runner only.' }));
          return;
        }
        swap(body, errorBox(e, 'Could not read the outbox'));
        return;
      }
      if (!ctx.alive()) return;
      const mails = (Array.isArray(d && d.emails) ? d.emails : []).slice().sort((a, b) => ts(b.sent_at) - ts(a.sent_at));
      refresh.set(mails.length + ' email' + (mails.length === 1 ? '' : 's'));
      swap(body, mails.length ? h('ol', { class: 'mails' }, mails.map(mailItem)) : h('p', { class: 'empty', text: 'No email sent yet.' }));
    }

    await load();
    live.start();
  }

  function mailItem(m) {
    const e = m.email || {};
    const list = (v) => (Array.isArray(v) ? v.join(', ') : v ? String(v) : '—');
    const known = new Set(['from', 'to', 'subject', 'text']);
    const extra = Object.fromEntries(Object.entries(e).filter(([k]) => !known.has(k)));
    return h('li', { class: 'card mail', dataset: { messageId: m.message_id || '' } },
      h('h2', { class: 'mail-subject', text: e.subject || '(no subject)' }),
      h('dl', { class: 'facts inline' },
        h('dt', { text: 'To' }), h('dd', { text: list(e.to) }),
        h('dt', { text: 'From' }), h('dd', { text: list(e.from) }),
        h('dt', { text: 'Sent' }), h('dd', null, timeEl(m.sent_at, true)),
        h('dt', { text: 'Message' }), h('dd', null, h('code', { text: m.message_id || '—' }))),
      e.text !== undefined ? h('pre', { class: 'mail-text', text: String(e.text) }) : null,
      Object.keys(extra).length ? h('details', null, h('summary', { text: 'Other fields' }), pre(extra)) : null);
  }

  // ---------------------------------------------------------------- start

  function start() {
    $('key-form').addEventListener('submit', onSignin);
    $('openapi-download').addEventListener('click', downloadOpenApi);
    $('sign-out').addEventListener('click', () => {
      signOut();
      announce('Signed out');
      $('key-input').focus();
    });
    window.addEventListener('hashchange', route);
    document.addEventListener('visibilitychange', () => {
      // pollers skip hidden tabs; nothing else to do
    });
    route();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
