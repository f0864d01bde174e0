// Browser tests of the dashboard (/dashboard/): start a local runner, drive Debian's Chromium
// headless with playwright-core, and check what the pages show against the API.
//
//   cd infra/browser-tests && npm ci && npm test
//
// Environment:
//   CHROMIUM       the Chromium binary (default /usr/bin/chromium)
//   BW_RUNNER_CMD  the runner command, run by /bin/sh in the repository root (default ./bw dev, the
//                  built runner); the test appends "--port 0 --api-key <key> --workflows <dir>"
//
// The runner serves a workflows folder of the test's own: the shipped definitions
// (functions/workflows/*.yaml) plus two that set a recurring event (remind sets one on nudge).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const SHOTS = path.join(HERE, 'screenshots');
const KEY = 'bwk_dev_browsertest';
const RUN_ID = () => Date.now().toString(36) + Math.random().toString(36).slice(2, 6);

let runner;      // { child, url, output }
let workflowsDir; // the test's copy of functions/workflows, with nudge.yaml and remind.yaml
let browser;
let page;
const consoleErrors = [];
const pageErrors = [];

// ------------------------------------------------------------------ runner

// a schedule-triggered workflow, and an API workflow that sets a weekly recurring event of it on a user
const EXTRA_WORKFLOWS = {
  'nudge.yaml': `name: nudge
trigger: { schedule: {} }
parameters:
  user_id: { type: text }
steps:
  - { action: log, message: "{% $params.user_id %}" }
`,
  'remind.yaml': `name: remind
trigger: { api: {} }
parameters:
  user_id: { type: text, required: true }
steps:
  - { action: set_recurring, workflow: nudge, type: user, thing_id: "{% $params.user_id %}", frequency: weekly, params: { user_id: "{% $params.user_id %}" } }
`,
};

/** functions/workflows/*.yaml (not its versions/ folder) and the extra workflows, in a temporary folder. */
function makeWorkflowsDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-browser-wf-'));
  const src = path.join(ROOT, 'functions/workflows');
  for (const f of fs.readdirSync(src)) {
    if (f.endsWith('.yaml') && fs.statSync(path.join(src, f)).isFile()) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  }
  for (const [f, text] of Object.entries(EXTRA_WORKFLOWS)) fs.writeFileSync(path.join(dir, f), text);
  return dir;
}

function shellQuote(s) {
  return "'" + String(s).replace(/'/g, "'\\''") + "'";
}

function runnerCommand() {
  const extra = ['--port', '0', '--api-key', KEY, '--workflows', shellQuote(workflowsDir)];
  // default: the built runner as users start it; to see edits of the dashboard's files without a
  // rebuild, put their source folder first on the classpath, e.g.
  // BW_RUNNER_CMD='java -cp functions/engine/src/main/resources:infra/local-runner/target/bw.jar dev.backendworkflows.local.cli.Bw dev'
  const command = process.env.BW_RUNNER_CMD || './bw dev';
  return { cmd: '/bin/sh', args: ['-c', command + ' ' + extra.join(' ')] };
}

function startRunner() {
  const { cmd, args } = runnerCommand();
  // its own process group, so that killing the group also ends a shell's children
  const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { child, output: '', url: null };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('the runner printed no "Serving" line within 60 s')), 60_000);
    const onData = (chunk) => {
      state.output += chunk.toString();
      const m = /Serving\s+(https?:\/\/\S+)/.exec(state.output);
      if (m && !state.url) {
        state.url = m[1].replace(/\/$/, '');
        clearTimeout(timer);
        resolve(state);
      }
    };
    const fail = (err) => {
      clearTimeout(timer);
      killRunner(state);
      reject(new Error(err.message + '\n--- runner output ---\n' + state.output.slice(-4000)));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => { state.output += c.toString(); });
    child.on('error', fail);
    child.on('exit', (code, signal) => { if (!state.url) fail(new Error('the runner exited early (' + (code ?? signal) + ')')); });
  });
}

async function killRunner(state) {
  if (!state || !state.child || state.child.exitCode !== null || state.child.signalCode !== null) return;
  const pid = state.child.pid;
  const exited = new Promise((r) => state.child.once('exit', r));
  try { process.kill(-pid, 'SIGTERM'); } catch { /* already gone */ }
  const t = setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  await exited;
  clearTimeout(t);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    if (runner) { try { process.kill(-runner.child.pid, 'SIGKILL'); } catch { /* gone */ } }
    process.exit(130);
  });
}

process.on('exit', () => {
  // last resort (an assertion or crash that skipped after()): never leave a runner behind
  if (runner && runner.child.exitCode === null && runner.child.signalCode === null) {
    try { process.kill(-runner.child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (workflowsDir) { try { fs.rmSync(workflowsDir, { recursive: true, force: true }); } catch { /* gone */ } }
});

// ------------------------------------------------------------------ helpers

async function api(method, p, body, key = KEY) {
  const res = await fetch(runner.url + p, {
    method,
    headers: { Authorization: 'Bearer ' + key, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: res.status, data };
}

async function apiOk(method, p, body) {
  const r = await api(method, p, body);
  assert.ok(r.status >= 200 && r.status < 300, method + ' ' + p + ' answered ' + r.status + ': ' + JSON.stringify(r.data));
  return r.data;
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

async function until(fn, what, timeoutMs = 10_000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function goto(hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
}

async function onboard(name) {
  const email = 'user-' + RUN_ID() + '@example.com';
  const d = await apiOk('POST', '/wf/onboard-user', { email, name: name || 'Test User' });
  return { email, runId: d.run_id, userId: d.response && d.response.user_id };
}

// ------------------------------------------------------------------ tests

describe('dashboard', { timeout: 180_000 }, () => {
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    workflowsDir = makeWorkflowsDir();
    runner = await startRunner();
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push({ text: m.text(), url: (m.location() || {}).url || '' }); });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    try { if (browser) await browser.close(); } finally {
      await killRunner(runner);
      if (workflowsDir) fs.rmSync(workflowsDir, { recursive: true, force: true });
    }
  });

  it('serves the dashboard under a strict CSP, and /dashboard redirects', async () => {
    const res = await fetch(runner.url + '/dashboard/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') || '', /default-src 'self'/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline script');
    assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/i, 'no inline style or event handler attributes');
    const redirect = await fetch(runner.url + '/dashboard', { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), 'dashboard/index.html');
    for (const f of ['app.js', 'app.css', 'icon.svg']) {
      assert.equal((await fetch(runner.url + '/dashboard/' + f)).status, 200, f);
    }
  });

  it('asks for the key; keyboard only: Tab, type, Enter; wrong and non-admin keys are refused', async () => {
    // the address users are given: /dashboard, which redirects to the page's file
    await page.goto(runner.url + '/dashboard');
    assert.ok(page.url().endsWith('/dashboard/index.html'), page.url());
    await page.locator('#key-form').waitFor();
    assert.equal(await page.locator('#nav').isVisible(), false, 'no navigation before signing in');
    await shot('01-key');

    // keyboard only: the key field is the first stop
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'key-input');

    // a key without admin rights: 403 forbidden, shown on the form
    const created = await apiOk('POST', '/keys', { name: 'browser-test-' + RUN_ID() });
    await page.keyboard.type(created.key);
    await page.keyboard.press('Enter');
    await page.locator('#key-error', { hasText: 'forbidden' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept');

    // a wrong key: 401 unauthorized with the server's message (the field is focused and selected)
    assert.equal(await page.evaluate(() => document.activeElement.id), 'key-input');
    await page.keyboard.type('bwk_not_a_key');
    await page.keyboard.press('Enter');
    await page.locator('#key-error', { hasText: 'unauthorized' }).waitFor();
    assert.match(await page.locator('#key-error').textContent(), /not valid/);
    await shot('01b-key-refused');

    // the right key
    await page.keyboard.type(KEY);
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'Runs' }).waitFor();
    assert.equal(await page.locator('#nav').isVisible(), true);
    assert.equal(await page.locator('#signin').isVisible(), false);
    const storage = await page.evaluate(() => ({
      session: Object.entries(sessionStorage), local: localStorage.length, url: location.href,
    }));
    assert.ok(storage.session.some(([, v]) => v === KEY), 'the key is in sessionStorage');
    assert.equal(storage.local, 0, 'nothing in localStorage');
    assert.ok(!storage.url.includes(KEY), 'the key is not in the URL');
    // focus moved to the view's heading, so the keyboard continues from there
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
    await shot('02-signed-in');
  });

  it('OpenAPI: the header button downloads openapi.json, read with the stored key', async () => {
    // the document needs a key, so the page has no plain link to it
    assert.equal((await fetch(runner.url + '/openapi.json')).status, 401);
    assert.equal(await page.locator('a[href*="openapi.json"]').count(), 0, 'no plain link to the document');
    const button = page.getByRole('button', { name: 'Download OpenAPI' });
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    assert.equal(download.suggestedFilename(), 'openapi.json');
    assert.equal(await download.failure(), null, 'the download completed');
    assert.match(download.url(), /^blob:/);
    const doc = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths && doc.paths['/wf/onboard-user'], 'lists /wf/onboard-user: ' + Object.keys(doc.paths || {}).join(' '));
    assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys((await apiOk('GET', '/openapi.json')).paths).sort());
    await page.locator('#openapi-status', { hasText: 'Saved openapi.json' }).waitFor();
    // keyboard: the button keeps the focus, and Enter downloads it again
    assert.equal(await page.evaluate(() => document.activeElement.id), 'openapi-download');
    const [again] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(again.suggestedFilename(), 'openapi.json');
    assert.equal(JSON.parse(fs.readFileSync(await again.path(), 'utf8')).openapi, '3.1.0');
    await shot('02b-openapi-downloaded');
  });

  it('workflows: names, triggers, parameters and steps drawn as a flow', async () => {
    const { workflows } = await apiOk('GET', '/workflows');
    await page.click('#nav a[data-view="workflows"]');
    await page.locator('article.wf').first().waitFor();
    assert.equal(await page.locator('article.wf').count(), workflows.length);
    // after a navigation the keyboard focus is on the new view's heading
    assert.equal(await page.evaluate(() => document.activeElement.tagName + ' ' + document.activeElement.textContent), 'H1 Workflows');
    assert.equal(await page.locator('#nav a[data-view="workflows"]').getAttribute('aria-current'), 'page');
    for (const w of workflows) {
      assert.equal((await page.locator('#wf-title-' + w.name).textContent()).trim(), w.name);
      const card = page.locator('#wf-' + w.name);
      assert.equal(await card.locator('.flow-node').count(), w.steps.length + 1, w.name + ': trigger + steps');
    }
    const onboard = page.locator('#wf-onboard-user');
    // parameters: name, type, required
    const emailRow = onboard.locator('table.params tr', { hasText: 'email' });
    assert.match(await emailRow.textContent(), /text/);
    assert.match(await emailRow.textContent(), /required/);
    assert.match(await onboard.locator('table.params tr', { hasText: 'tags' }).textContent(), /text list.*optional/);
    assert.match(await onboard.locator('.flow-trigger').textContent(), /api_key/);
    // the conditional step shows its condition
    const userStep = onboard.locator('.flow-node', { hasText: 'create_thing' });
    assert.match(await userStep.textContent(), /only when\s*\{% \$steps\.existing\.count = 0 %\}/);
    assert.match(await userStep.textContent(), /id\s*user/);
    // recurring trigger details
    assert.match(await page.locator('#wf-daily-digest').textContent(), /cron\(0 9 \* \* \? \*\)/);
    assert.match(await page.locator('#wf-daily-digest').textContent(), /Europe\/Paris/);
    await shot('03-workflows');
  });

  let onboardRun;

  it('runs: a run started by API appears with live refresh on, without reloading', async () => {
    await page.click('#nav a[data-view="runs"]');
    await page.locator('h1', { hasText: 'Runs' }).waitFor();
    await page.locator('#runs-table, .runs-table .empty').first().waitFor();
    await page.evaluate(() => { window.__sameDocument = true; });
    await page.check('#live-runs');
    assert.equal(await page.locator('#live-runs').isChecked(), true);

    onboardRun = await onboard('Live Tester');
    const row = page.locator(`tr[data-run-id="${onboardRun.runId}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
    assert.match(await row.textContent(), /onboard-user/);
    assert.match(await row.locator('.badge').textContent(), /succeeded/);
    // the refresh status is an aria-live region that counts the runs
    const live = page.locator('.refresh-summary');
    assert.equal(await live.getAttribute('aria-live'), 'polite');
    assert.match(await live.textContent(), /\d+ runs?/);

    // the filters narrow the list (workflow + status go to the API, trigger is applied here)
    await page.selectOption('#f-status', 'failed');
    await page.locator('.runs-table .empty, #runs-table').first().waitFor();
    await until(async () => (await page.locator(`tr[data-run-id="${onboardRun.runId}"]`).count()) === 0, 'the status filter');
    assert.match(page.url(), /status=failed/);
    await page.selectOption('#f-status', '');
    await page.selectOption('#f-workflow', 'onboard-user');
    await row.waitFor();
    await page.selectOption('#f-trigger', 'schedule');
    await until(async () => (await row.count()) === 0, 'the trigger filter');
    await page.selectOption('#f-trigger', '');
    await page.selectOption('#f-range', '1h');
    await row.waitFor();
    await shot('04-runs-live');
  });

  it('run timeline: steps with bars, conditions, attempts and the journal state', async () => {
    assert.ok(onboardRun, 'needs the run of the previous test');
    const run = await apiOk('GET', '/runs/' + onboardRun.runId);
    await page.click(`tr[data-run-id="${onboardRun.runId}"] a`);
    await page.locator('#timeline').waitFor();
    assert.equal(new URL(page.url()).hash, '#/runs/' + onboardRun.runId);
    const steps = page.locator('#timeline .tl-step');
    assert.equal(await steps.count(), run.steps.length);
    for (let i = 0; i < run.steps.length; i++) {
      const s = run.steps[i];
      const li = page.locator(`#timeline .tl-step[data-index="${s.index}"]`);
      assert.match(await li.textContent(), new RegExp(s.action));
      assert.match(await li.locator('.badge').first().textContent(), new RegExp(s.status));
      assert.match(await li.textContent(), /attempt 1/);
      const box = await li.locator('.tl-bar').boundingBox();
      assert.ok(box && box.width >= 3, 'step ' + s.index + ' has a visible bar');
      const track = await li.locator('.tl-track').boundingBox();
      assert.ok(box.x >= track.x - 0.5 && box.x + box.width <= track.x + track.width + 4, 'the bar is inside its track');
    }
    // conditions: create_thing ran (true), terminate was skipped (false)
    assert.match(await page.locator('.tl-step[data-index="1"]').textContent(), /condition true/);
    assert.match(await page.locator('.tl-step[data-index="3"]').textContent(), /condition false/);
    assert.match(await page.locator('.tl-step[data-index="3"]').textContent(), /skipped/);
    // bars are placed in time order: the last step starts right of the first
    const first = await page.locator('.tl-step[data-index="0"] .tl-bar').boundingBox();
    const last = await page.locator('.tl-step[data-index="5"] .tl-bar').boundingBox();
    assert.ok(last.x > first.x, 'later steps start further right');
    // journal state, input
    assert.match(await page.locator('main').textContent(), /Run attempt\s*1/);
    assert.match(await page.locator('pre[aria-label="Parameters of the run"]').textContent(), new RegExp(onboardRun.email.replace(/\./g, '\\.')));
    assert.equal(await page.locator('#retry-run').count(), 0, 'no Retry on a succeeded run');
    await shot('05-run-timeline');
  });

  it('a failed run shows its error and a Retry button that retries it', async () => {
    const r = await api('POST', '/wf/fetch-exchange-rate', { quote: 'USD', rates_url: 'http://127.0.0.1:9/rates' });
    assert.ok(r.status >= 400, 'the run fails (private address refused)');
    const id = r.data.run_id;
    await goto('#/runs/' + id);
    await page.locator('#retry-run').waitFor();
    assert.match(await page.locator('.run-body .error-box').first().textContent(), /destination_not_allowed/);
    assert.match(await page.locator('.tl-step[data-index="0"]').textContent(), /failed/);
    await page.click('#retry-run');
    await page.locator('.notice', { hasText: 'Retry started' }).waitFor();
    const after = await until(async () => {
      const d = await apiOk('GET', '/runs/' + id);
      return d.attempt === 2 && d.status !== 'running' ? d : null;
    }, 'the retried run');
    assert.equal(after.status, 'failed');
    await page.locator('.run-facts', { hasText: /Attempt\s*2/ }).waitFor();
    await shot('06-run-retried');
    // the run API's 409 is shown in the page when retrying something that is not failed
    const ok = await apiOk('GET', '/runs?workflow=onboard-user&limit=1');
    assert.equal((await api('POST', '/runs/' + ok.runs[0].run_id + '/retry')).status, 409);
  });

  it('schedules: cancel the pending onboarding-step through the UI; recurring workflows; chain view', async () => {
    assert.ok(onboardRun, 'needs the run of the runs test');
    const run = await apiOk('GET', '/runs/' + onboardRun.runId);
    const next = run.steps.find((s) => s.id === 'next');
    const scheduleId = next.output.id;
    await page.click('#nav a[data-view="schedules"]');
    const row = page.locator(`tr[data-schedule-id="${scheduleId}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /onboarding-step/);
    assert.match(await row.textContent(), /pending/);
    assert.match(await page.locator('#recurring-table').textContent(), /daily-digest.*cron\(0 9 \* \* \? \*\).*Europe\/Paris/);
    await shot('07-schedules');

    await row.getByRole('button', { name: 'Cancel scheduled run ' + scheduleId }).click();
    await row.getByRole('button', { name: 'Confirm cancel' }).click();
    await page.locator('.notice', { hasText: 'Cancelled scheduled run ' + scheduleId }).waitFor();
    await until(async () => (await row.count()) === 0, 'the row to leave the pending list');
    const s = await apiOk('GET', '/schedules/' + scheduleId);
    assert.equal(s.status, 'cancelled');
    await shot('08-schedule-cancelled');

    // the cancelled list shows it; its chain link opens the chain
    await page.selectOption('#s-status', 'cancelled');
    await row.waitFor();
    await row.getByRole('link', { name: 'Chain ' + s.chain_id }).click();
    await page.locator('h1', { hasText: 'Chain' }).waitFor();
    await page.locator(`tr[data-schedule-id="${scheduleId}"]`).waitFor();
    assert.match(await page.locator('.facts').first().textContent(), /Iterations\s*1/);
    assert.match(await page.locator('.facts').first().textContent(), /cancelled\s*1/);
    assert.equal(await page.getByRole('button', { name: 'Cancel chain' }).count(), 0, 'nothing left to cancel');
    await shot('09-chain');

    // a chain still pending: cancel it from the chain view
    const other = await onboard('Chain User');
    const otherRun = await apiOk('GET', '/runs/' + other.runId);
    const chainId = otherRun.steps.find((x) => x.id === 'next').output.chain_id;
    await goto('#/chains/' + chainId);
    await page.getByRole('button', { name: 'Cancel chain' }).click();
    await page.getByRole('button', { name: 'Confirm cancel chain' }).click();
    await page.locator('.notice', { hasText: 'Cancelled chain ' + chainId }).waitFor();
    const chain = await apiOk('GET', '/chains/' + chainId);
    assert.equal(chain.cancelled, true);
    assert.equal(chain.counts.pending || 0, 0);
    await page.locator('.facts', { hasText: /Cancelled\s*yes/ }).waitFor();
    await shot('09b-chain-cancelled');
  });

  it('recurring events: one set by a set_recurring step is listed under Schedules and cancelled there', async () => {
    const started = await apiOk('POST', '/wf/remind', { user_id: 'u-1' });
    const { recurring } = await apiOk('GET', '/recurring');
    assert.equal(recurring.length, 1, 'the one event remind set: ' + JSON.stringify(recurring));
    const ev = recurring[0];
    assert.equal(ev.workflow, 'nudge');
    assert.equal(ev.created_by, 'run:' + started.run_id);
    await page.click('#nav a[data-view="schedules"]');
    const row = page.locator(`#recurring-events-table tr[data-recurring-id="${ev.id}"]`);
    await row.waitFor();
    const text = await row.textContent();
    assert.match(text, /nudge/);
    assert.match(text, /user\s*u-1/);
    assert.ok(text.includes(ev.schedule), 'the schedule ' + ev.schedule + ' in: ' + text);
    assert.match(text, new RegExp(ev.timezone || 'UTC'));
    assert.ok(text.includes(started.run_id), 'created by the run of remind');
    assert.equal(await row.getByRole('link', { name: started.run_id }).getAttribute('href'), '#/runs/' + started.run_id);
    await shot('09c-recurring-event');

    // keyboard only: Enter on Cancel moves the focus to Confirm cancel, Enter again cancels
    await row.getByRole('button', { name: 'Cancel recurring event ' + ev.id }).focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Confirm cancel');
    await page.keyboard.press('Enter');
    await page.locator('.notice', { hasText: 'Cancelled recurring event ' + ev.id }).waitFor();
    await page.locator('#recurring-events .empty', { hasText: 'No recurring events' }).waitFor();
    assert.equal(await row.count(), 0);
    assert.deepEqual((await apiOk('GET', '/recurring')).recurring, []);
    const again = await api('DELETE', '/recurring/' + encodeURIComponent(ev.id));
    assert.equal(again.status, 404);
    assert.equal(again.data.error.code, 'recurring_not_found');
    await shot('09d-recurring-cancelled');
  });

  it('batches: progress, then Pause and Resume through the UI, checked by API', async (t) => {
    // subscribed users to email: more than one chunk (batch_size 50), at 10 emails a second
    const users = 56;
    for (let i = 0; i < users; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, users - i) }, () => onboard('Batch User')));
    }
    await page.click('#nav a[data-view="batches"]');
    await page.locator('h1', { hasText: 'Batch jobs' }).waitFor();
    assert.equal(await page.locator('#live-batches').isChecked(), true, 'batches refresh live by default');
    const started = await apiOk('POST', '/wf/email-subscribers', { subject: 'Browser test', text: 'Hello' });
    const batchId = started.response.batch_id;
    const card = page.locator(`article.batch[data-batch-id="${batchId}"]`);
    // Refresh rather than wait up to 2 s for the live refresh: the job is short
    await page.getByRole('button', { name: 'Refresh' }).click();
    await card.locator('button[data-op="pause"]').waitFor({ timeout: 5000 });
    await card.locator('button[data-op="pause"]').click();
    await page.locator('.notice', { hasText: 'Paused batch ' + batchId }).waitFor();
    const paused = await apiOk('GET', '/batches/' + batchId);
    assert.equal(paused.status, 'paused');
    t.diagnostic('paused with ' + paused.done + ' done of ' + paused.total);
    assert.ok(paused.remaining > 0, 'paused before the end: ' + JSON.stringify(paused));
    await card.locator('button[data-op="resume"]').waitFor();
    assert.equal(await card.getAttribute('data-status'), 'paused');
    const bar = card.locator('[role="progressbar"]');
    assert.equal(Number(await bar.getAttribute('aria-valuemax')), paused.total);
    assert.match(await card.textContent(), /10 \/ s/);
    // As documented (README, Batch jobs): a pause lets the chunk that is running end its items
    // (batch_size 50) and parks the next, so nothing past the current chunk runs while paused.
    // Wait until the count settles (1.5 s without change: 15 items at the rate), then it must sit at a
    // chunk's boundary: 0 when the pause came before the first chunk started, else 50.
    let settled = -1;
    await until(async () => {
      const a = await apiOk('GET', '/batches/' + batchId);
      await new Promise((r) => setTimeout(r, 1500));
      const b = await apiOk('GET', '/batches/' + batchId);
      settled = b.done + b.failed;
      return a.done + a.failed === settled;
    }, 'the running chunk to end its items', 20_000, 0);
    const still = await apiOk('GET', '/batches/' + batchId);
    assert.equal(still.status, 'paused');
    assert.equal(still.done + still.failed, settled, 'nothing ran after the count settled');
    assert.equal(settled % 50, 0, 'no item past the running chunk ran while paused: ' + settled);
    assert.ok(still.remaining > 0, 'work left for the resume: ' + JSON.stringify(still));
    await shot('10-batch-paused');

    await card.locator('button[data-op="resume"]').click();
    await page.locator('.notice', { hasText: 'Resumed batch ' + batchId }).waitFor();
    const resumed = await apiOk('GET', '/batches/' + batchId);
    assert.ok(['running', 'done'].includes(resumed.status), 'resumed: ' + resumed.status);
    // the live view follows it to the end
    await page.locator(`article.batch[data-batch-id="${batchId}"][data-status="done"]`).waitFor({ timeout: 20_000 });
    const done = await apiOk('GET', '/batches/' + batchId);
    assert.equal(done.status, 'done');
    assert.equal(done.done + done.failed, done.total);
    assert.equal(Number(await bar.getAttribute('aria-valuenow')), done.total);
    assert.equal(await card.locator('button[data-op="pause"], button[data-op="resume"]').count(), 0);
    await shot('11-batch-done');
  });

  it('outbox: the captured email, with its text shown as text', async () => {
    const evil = '<img src=x data-evil=1> Mallory';
    const u = await onboard(evil);
    await page.click('#nav a[data-view="outbox"]');
    const mail = page.locator('li.mail', { hasText: u.email });
    await mail.waitFor();
    assert.equal((await mail.locator('.mail-subject').textContent()).trim(), 'Welcome, ' + evil + '!');
    assert.equal(await page.locator('img[data-evil]').count(), 0, 'data is never parsed as HTML');
    await shot('12-outbox');
  });

  it('phone size: the runs page fits 390 px wide, its table scrolls inside', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.click('#nav a[data-view="runs"]');
      await page.locator('#runs-table').waitFor();
      const m = await page.evaluate(() => {
        const wrap = document.querySelector('#runs-table').closest('.table-wrap');
        return {
          page: document.documentElement.scrollWidth,
          wrapScroll: wrap.scrollWidth,
          wrapClient: wrap.clientWidth,
          overflow: getComputedStyle(wrap).overflowX,
        };
      });
      assert.ok(m.page <= 390, 'no sideways scrolling of the page: ' + m.page);
      assert.equal(m.overflow, 'auto');
      assert.ok(m.wrapClient <= 390);
      await shot('13-runs-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('a key that stops working returns to the key form; Sign out forgets the key', async () => {
    await page.evaluate(() => {
      for (const k of Object.keys(sessionStorage)) if (sessionStorage.getItem(k) === 'bwk_dev_browsertest') sessionStorage.setItem(k, 'bwk_revoked');
    });
    await page.reload();
    await page.locator('#key-error', { hasText: 'unauthorized' }).waitFor();
    assert.equal(await page.locator('#signin').isVisible(), true);
    assert.equal(await page.evaluate(() => Object.values(sessionStorage).includes('bwk_revoked')), false);

    await page.fill('#key-input', KEY);
    await page.press('#key-input', 'Enter');
    await page.locator('#nav').waitFor();
    await page.click('#sign-out');
    await page.locator('#key-form').waitFor();
    assert.equal(await page.evaluate(() => Object.values(sessionStorage).includes('bwk_dev_browsertest')), false);
    await page.reload();
    await page.locator('#key-form').waitFor();
    assert.equal(await page.locator('#nav').isVisible(), false);
    await shot('14-signed-out');
  });

  it('a server without an outbox (a deployed stack answers 404): the tab is hidden', async () => {
    await page.route('**/outbox', (route) => route.fulfill({
      status: 404, contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'not_found', message: 'No route GET /outbox', fields: [] } }),
    }));
    try {
      await page.fill('#key-input', KEY);
      await page.press('#key-input', 'Enter');
      await page.locator('#nav').waitFor();
      await until(async () => !(await page.locator('#nav-outbox').isVisible()), 'the outbox tab to hide');
      assert.equal(await page.locator('#nav a[data-view="batches"]').isVisible(), true);
      // a bookmarked #/outbox explains itself instead of failing
      await goto('#/outbox');
      await page.locator('.outbox .empty', { hasText: 'local runner only' }).waitFor();
      await shot('15-no-outbox');
    } finally {
      await page.unroute('**/outbox');
    }
  });

  it('no script errors and no CSP violations', () => {
    assert.deepEqual(pageErrors, []);
    // expected: the API's 401/403 answers to the refused keys and the faked 404 of /outbox;
    // anything else (a dashboard file missing, a CSP refusal) is a fault
    const unexpected = consoleErrors.filter((e) => !(/status of 40[134]/.test(e.text) && !e.url.includes('/dashboard/')));
    assert.deepEqual(unexpected, []);
  });
});
