package dev.backendworkflows.local.cli;

import dev.backendworkflows.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The commands that read and steer a runner or a deployed stack through its admin API. */
final class Remote {
  static final String DEFAULT_URL = "http://localhost:3000";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Bw bw;
  private final String url;
  private final String key;

  private Remote(Bw bw, Bw.Args a) {
    this.bw = bw;
    String u = a.option("url", bw.env().getOrDefault("BW_URL", DEFAULT_URL));
    this.url = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    try {
      URI parsed = URI.create(url);
      if (parsed.getScheme() == null || !parsed.getScheme().matches("https?") || parsed.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL");
      }
    } catch (IllegalArgumentException e) {
      throw new Bw.UsageException("--url / BW_URL must be an http(s) URL such as " + DEFAULT_URL + ", got '" + u + "'");
    }
    this.key = a.option("key", bw.env().get("BW_API_KEY"));
    if (key == null || key.isBlank()) {
      throw new Bw.UsageException("give an admin API key with --key or BW_API_KEY (the local runner prints its dev key)");
    }
  }

  /** The server could not be reached: exit 3. */
  static final class Unreachable extends RuntimeException {
    Unreachable(String message) {
      super(message);
    }
  }

  /** An error answer: its status and envelope. */
  record Answer(int status, Map<String, Object> body, boolean json) {
    /** A 2xx answer in JSON (a page that is not JSON, from some other server, is not). */
    boolean ok() {
      return json && status >= 200 && status < 300;
    }
  }

  Answer call(String method, String path, Object body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
        .header("authorization", "Bearer " + key).header("accept", "application/json");
    if (body != null) {
      b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      Map<String, Object> parsed;
      boolean json = true;
      try {
        parsed = Json.object(Json.read(r.body(), Object.class));
      } catch (RuntimeException notJson) {
        json = false;
        parsed = Map.of("error", Map.of("code", "not_json", "message", "the server answered " + r.statusCode() + " without JSON"
            + " (is " + url + " a Backend Workflows runner or stack?)"));
      }
      return new Answer(r.statusCode(), parsed, json);
    } catch (IOException e) {
      throw new Unreachable("cannot reach " + url + " (" + why(e) + "); start one with bw dev, or give --url / BW_URL");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted");
    }
  }

  /** Why a connection failed, in words. */
  private static String why(IOException e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return switch (root) {
      case java.net.ConnectException c -> "connection refused";
      case java.net.UnknownHostException u -> "unknown host";
      case java.nio.channels.UnresolvedAddressException u -> "unknown host";
      case java.net.http.HttpTimeoutException t -> "no answer within 30 s";
      case javax.net.ssl.SSLException t -> "TLS failed: " + t.getMessage();
      default -> root.getMessage() != null ? root.getMessage() : "the connection failed";
    };
  }

  /** Prints an error answer's code and message; returns 1. */
  int failed(Answer a) {
    Object e = a.body().get("error");
    if (e instanceof Map<?, ?> m) {
      bw.err().println("error " + a.status() + " " + m.get("code") + ": " + m.get("message"));
    } else {
      bw.err().println("error " + a.status());
    }
    return Bw.FAILED;
  }

  static String query(Map<String, String> q) {
    StringBuilder b = new StringBuilder();
    q.forEach((k, v) -> {
      if (v != null && !v.isBlank()) {
        b.append(b.isEmpty() ? '?' : '&').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
      }
    });
    return b.toString();
  }

  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  // ---- logs ----

  static final String LOGS_HELP = """
      Usage: bw logs [RUN_ID] [--workflow W] [--status S] [--trigger T] [--limit N] [--follow] [--json]
        Without RUN_ID: the newest runs (of W, or in status S, or of every workflow), oldest first;
        --trigger keeps one trigger (api, schedule, custom_event, data_change, ...); --follow keeps
        printing new runs (and runs that change status) until interrupted.
        With RUN_ID: that run and each of its steps.
        Common: --url (BW_URL), --key (BW_API_KEY).
      """;

  static int logs(Bw bw, Bw.Args a) {
    if (a.help()) {
      bw.out().print(LOGS_HELP);
      return Bw.OK;
    }
    Remote r = new Remote(bw, a);
    if (!a.positional().isEmpty()) {
      noMore(a, 1, "bw logs [RUN_ID]");
      Answer run = r.call("GET", "/runs/" + segment(a.positional().getFirst()), null);
      if (!run.ok()) {
        return r.failed(run);
      }
      if (a.flag("json")) {
        bw.out().println(Json.write(run.body()));
      } else {
        Render.run(bw.out(), run.body());
      }
      return Bw.OK;
    }
    int limit = Integer.parseInt(limit(a));
    Set<String> seen = new LinkedHashSet<>();
    boolean follow = a.flag("follow") || a.flag("f");
    do {
      List<Map<String, Object>> runs = new ArrayList<>();
      int code = r.listRuns(a, limit, runs);
      if (code != Bw.OK) {
        return code;
      }
      runs.sort(java.util.Comparator.comparing(m -> String.valueOf(m.get("started_at"))));
      for (Map<String, Object> run : runs) {
        if (seen.add(run.get("run_id") + "/" + run.get("status"))) {
          if (a.flag("json")) {
            bw.out().println(Json.write(run));
          } else {
            Render.runLine(bw.out(), run);
          }
        }
      }
      bw.out().flush();
      if (follow) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Bw.OK;
        }
      }
    } while (follow);
    return Bw.OK;
  }

  /** The newest runs the filters name; with neither workflow nor status, those of every workflow. */
  private int listRuns(Bw.Args a, int limit, List<Map<String, Object>> into) {
    List<String> workflows = new ArrayList<>();
    if (a.option("workflow") != null || a.option("status") != null) {
      workflows.add(a.option("workflow"));
    } else {
      Answer all = call("GET", "/workflows", null);
      if (!all.ok()) {
        return failed(all);
      }
      for (Object w : (List<?>) all.body().get("workflows")) {
        workflows.add(String.valueOf(((Map<?, ?>) w).get("name")));
      }
    }
    for (String wf : workflows) {
      Map<String, String> q = new LinkedHashMap<>();
      q.put("workflow", wf);
      q.put("status", a.option("status"));
      q.put("limit", String.valueOf(Math.min(100, Math.max(1, limit))));
      Answer page = call("GET", "/runs" + query(q), null);
      if (!page.ok()) {
        return failed(page);
      }
      for (Object o : (List<?>) page.body().get("runs")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> run = (Map<String, Object>) o;
        if (a.option("trigger") == null || a.option("trigger").equals(run.get("trigger"))) {
          into.add(run);
        }
      }
    }
    into.sort(java.util.Comparator.comparing(m -> String.valueOf(m.get("started_at"))));
    while (into.size() > limit) {
      into.removeFirst();
    }
    return Bw.OK;
  }

  // ---- schedules ----

  static final String SCHEDULES_HELP = """
      Usage: bw schedules [list] [--status pending|running|succeeded|failed|terminated|cancelled] [--workflow W] [--limit N] [--json]
             bw schedules cancel ID
             bw schedules recurring [--workflow W] [--json]
             bw schedules recurring cancel ID
        Lists scheduled runs (default: pending, soonest first), or cancels a pending one; lists the
        recurring events set_recurring made, or cancels one (its schedule is removed).
        Common: --url (BW_URL), --key (BW_API_KEY).
      """;

  static int schedules(Bw bw, Bw.Args a) {
    if (a.help()) {
      bw.out().print(SCHEDULES_HELP);
      return Bw.OK;
    }
    String verb = a.positional().isEmpty() ? "list" : a.positional().getFirst();
    Remote r = new Remote(bw, a);
    switch (verb) {
      case "list" -> {
        noMore(a, 1, "bw schedules [list]");
        Answer page = r.call("GET", "/schedules" + query(Map.of("status", a.option("status", "pending"),
            "workflow", a.option("workflow", ""), "limit", limit(a))), null);
        if (!page.ok()) {
          return r.failed(page);
        }
        for (Object o : (List<?>) page.body().get("schedules")) {
          @SuppressWarnings("unchecked")
          Map<String, Object> s = (Map<String, Object>) o;
          if (a.flag("json")) {
            bw.out().println(Json.write(s));
          } else {
            Render.scheduleLine(bw.out(), s);
          }
        }
        return Bw.OK;
      }
      case "cancel" -> {
        String id = r.id(a, "bw schedules cancel ID");
        Answer c = r.call("DELETE", "/schedules/" + segment(id), null);
        if (!c.ok()) {
          return r.failed(c);
        }
        boolean cancelled = Boolean.TRUE.equals(c.body().get("cancelled"));
        bw.out().println(cancelled ? "cancelled " + id : id + " was not pending (it is " + c.body().get("status") + ")");
        return cancelled ? Bw.OK : Bw.FAILED;
      }
      case "recurring" -> {
        if (a.positional().size() > 1) {
          if (!a.positional().get(1).equals("cancel") || a.positional().size() != 3) {
            throw new Bw.UsageException("use bw schedules recurring [cancel ID]");
          }
          String id = a.positional().get(2);
          Answer c = r.call("DELETE", "/recurring/" + segment(id), null);
          if (!c.ok()) {
            return r.failed(c);
          }
          bw.out().println("cancelled recurring event " + id + " (" + c.body().get("workflow") + ")");
          return Bw.OK;
        }
        Answer list = r.call("GET", "/recurring" + query(Map.of("workflow", a.option("workflow", ""))), null);
        if (!list.ok()) {
          return r.failed(list);
        }
        for (Object o : (List<?>) list.body().get("recurring")) {
          Map<?, ?> e = (Map<?, ?>) o;
          bw.out().println(a.flag("json") ? Json.write(e) : String.format("%-26s  %-22s  %s %s  %s  %s", e.get("id"), e.get("workflow"),
              e.get("thing_type"), e.get("thing_id"), e.get("schedule"), e.get("timezone")));
        }
        return Bw.OK;
      }
      default -> throw new Bw.UsageException("unknown subcommand '" + verb + "'; use list, cancel or recurring");
    }
  }

  private String id(Bw.Args a, String usage) {
    return id(a, usage, "the id");
  }

  /** The one argument after the subcommand ({@code what}); none, or more than one, is a usage error. */
  private String id(Bw.Args a, String usage, String what) {
    if (a.positional().size() != 2) {
      throw new Bw.UsageException((a.positional().size() < 2 ? "give " + what : "one " + what.replaceFirst("^the ", "") + " only")
          + ": " + usage);
    }
    return a.positional().get(1);
  }

  /** A listing takes no more arguments than its subcommand. */
  private static void noMore(Bw.Args a, int allowed, String usage) {
    if (a.positional().size() > allowed) {
      throw new Bw.UsageException("unexpected '" + a.positional().get(allowed) + "': " + usage);
    }
  }

  /** --limit, checked here as the server would check it. */
  private static String limit(Bw.Args a) {
    String given = a.option("limit", "20");
    try {
      int n = Integer.parseInt(given);
      if (n >= 1 && n <= 100) {
        return given;
      }
    } catch (NumberFormatException ignored) {
      // refused below
    }
    throw new Bw.UsageException("--limit must be a whole number from 1 to 100, got '" + given + "'");
  }

  // ---- batches ----

  static final String BATCHES_HELP = """
      Usage: bw batches [list] [--status creating|running|paused|cancelled|done] [--json]
             bw batches show|pause|resume|cancel|retry ID
        Batch jobs with a progress bar each (done, failed, rate, ETA); show prints one job and its
        failures; pause, resume and cancel steer it; retry runs a finished job's failed items again.
        Common: --url (BW_URL), --key (BW_API_KEY).
      """;

  static int batches(Bw bw, Bw.Args a) {
    if (a.help()) {
      bw.out().print(BATCHES_HELP);
      return Bw.OK;
    }
    String verb = a.positional().isEmpty() ? "list" : a.positional().getFirst();
    Remote r = new Remote(bw, a);
    Answer answer = switch (verb) {
      case "list" -> {
        noMore(a, 1, "bw batches [list]");
        yield r.call("GET", "/batches" + query(Map.of("status", a.option("status", ""), "limit", limit(a))), null);
      }
      case "show" -> r.call("GET", "/batches/" + segment(r.id(a, "bw batches show ID")), null);
      case "cancel" -> r.call("DELETE", "/batches/" + segment(r.id(a, "bw batches cancel ID")), null);
      case "pause", "resume", "retry" -> r.call("POST", "/batches/" + segment(r.id(a, "bw batches " + verb + " ID")) + "/" + verb, null);
      default -> throw new Bw.UsageException("unknown subcommand '" + verb + "'; use list, show, pause, resume, cancel or retry");
    };
    if (!answer.ok()) {
      return r.failed(answer);
    }
    List<?> jobs = verb.equals("list") ? (List<?>) answer.body().get("batches") : List.of(answer.body());
    for (Object o : jobs) {
      @SuppressWarnings("unchecked")
      Map<String, Object> job = (Map<String, Object>) o;
      if (a.flag("json")) {
        bw.out().println(Json.write(job));
      } else {
        Render.batch(bw.out(), job);
        if (verb.equals("show") && job.get("failures") instanceof List<?> failures) {
          for (Object f : failures) {
            bw.out().println("  failed: " + Render.preview(f));
          }
        }
      }
    }
    return Bw.OK;
  }

  // ---- keys ----

  static final String KEYS_HELP = """
      Usage: bw keys [list] [--json]
             bw keys create NAME [--admin] [--workflows a,b]
             bw keys revoke NAME
        create prints the new key once (only its hash is kept); --workflows limits the workflows it
        may call. revoke removes every key of that name (a key cached by a running function stops
        working within a minute).
        Common: --url (BW_URL), --key (BW_API_KEY).
      """;

  static int keys(Bw bw, Bw.Args a) {
    if (a.help()) {
      bw.out().print(KEYS_HELP);
      return Bw.OK;
    }
    String verb = a.positional().isEmpty() ? "list" : a.positional().getFirst();
    Remote r = new Remote(bw, a);
    switch (verb) {
      case "list" -> {
        noMore(a, 1, "bw keys [list]");
        Answer list = r.call("GET", "/keys", null);
        if (!list.ok()) {
          return r.failed(list);
        }
        for (Object o : (List<?>) list.body().get("keys")) {
          Map<?, ?> k = (Map<?, ?>) o;
          bw.out().println(a.flag("json") ? Json.write(k) : String.format("%-24s  %-40s  created %s", k.get("name"), k.get("scope"), k.get("created_at")));
        }
        return Bw.OK;
      }
      case "create" -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", r.id(a, "bw keys create NAME [--admin] [--workflows a,b]", "the key's name"));
        body.put("admin", a.flag("admin"));
        if (a.option("workflows") != null) {
          List<String> scope = java.util.Arrays.stream(a.option("workflows").split(",")).map(String::strip)
              .filter(w -> !w.isEmpty()).toList();
          if (scope.isEmpty()) {
            throw new Bw.UsageException("--workflows names the workflows the key may call, e.g. --workflows onboard-user,import-orders");
          }
          body.put("workflows", scope);
        }
        Answer created = r.call("POST", "/keys", body);
        if (!created.ok()) {
          return r.failed(created);
        }
        bw.out().println(created.body().get("key"));
        bw.err().println("API key '" + created.body().get("name") + "' (" + created.body().get("scope") + "): shown only now, keep it");
        return Bw.OK;
      }
      case "revoke" -> {
        String name = r.id(a, "bw keys revoke NAME", "the key's name");
        Answer revoked = r.call("DELETE", "/keys/" + segment(name), null);
        if (!revoked.ok()) {
          return r.failed(revoked);
        }
        bw.out().println("revoked " + revoked.body().get("revoked") + " key(s) named " + name);
        return Bw.OK;
      }
      default -> throw new Bw.UsageException("unknown subcommand '" + verb + "'; use list, create or revoke");
    }
  }
}
