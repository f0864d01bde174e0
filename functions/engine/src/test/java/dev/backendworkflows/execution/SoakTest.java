package dev.backendworkflows.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.mail.local.LocalOutbox;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.runlog.StepRecord;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.schedule.Scheduling;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * 10,000 scheduled deliveries, 10 % of them delivered twice (half of those concurrently), 5 % of
 * attempts killed at a random point of the run: after the sweeps, no effect happened twice, no run
 * was lost and none is left running. Figures go to the test output (README, "Guarantees").
 * Run alone: {@code ./mvnw -q -pl functions/engine test -Dtest=SoakTest}.
 */
class SoakTest {
  private static final int RUNS = 10_000;
  private static final String ITEM = """
      name: soak-item
      trigger: { schedule: {} }
      parameters:
        n: { type: number, required: true }
      steps:
        - { id: note, action: create_thing, type: note, fields: { text: "{% $string($params.n) %}" } }
        - { id: mail, action: send_email, to: "{% 'user' & $string($params.n) & '@example.com' %}", subject: Hi, text: hello }
        - { action: update_thing, type: note, thing_id: "{% $steps.note._id %}", fields: { text: "{% $string($params.n) & ' done' %}" } }
      """;

  @Test
  void tenThousandDeliveriesWithDuplicatesAndKillsEndWithEveryEffectOnceAndNothingLost() throws Exception {
    Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("soak-item.yaml", ITEM));
    Scheduling scheduling = new Scheduling(stack.services, stack.engine.workflows());
    List<String> ids = new ArrayList<>(RUNS);
    for (int n = 0; n < RUNS; n++) {
      String id = scheduling.schedule("soak-item", Map.of("n", n), stack.clock.instant().plusSeconds(1), "soak", null).id();
      stack.scheduler.cancel(id); // delivered below, by hand, with the faults
      ids.add(id);
    }
    stack.clock.advance(Duration.ofSeconds(1));
    Random random = new Random(42);
    AtomicInteger killed = new AtomicInteger();
    AtomicInteger delivered = new AtomicInteger();
    int duplicated = 0;
    long t0 = System.nanoTime();
    java.io.PrintStream out = System.out;
    System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())); // 10,000 runs' log lines
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<?>> later = new ArrayList<>();
      List<String> duplicatesLater = new ArrayList<>();
      for (String id : ids) {
        double roll = random.nextDouble();
        later.add(pool.submit(() -> deliver(stack, id, random, killed, delivered)));
        if (roll < 0.05) { // delivered twice at the same time
          later.add(pool.submit(() -> deliver(stack, id, random, killed, delivered)));
          duplicated++;
        } else if (roll < 0.10) { // delivered again after the first ended (or died)
          duplicatesLater.add(id);
          duplicated++;
        }
      }
      for (Future<?> f : later) {
        f.get();
      }
      List<Future<?>> again = new ArrayList<>();
      for (String id : duplicatesLater) {
        again.add(pool.submit(() -> deliver(stack, id, random, killed, delivered)));
      }
      for (Future<?> f : again) {
        f.get();
      }
    }
    int sweeps = 0;
    while (sweeps < 10 && (running(stack) > 0 || open(stack) > 0)) {
      stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(5)); // past leases and backoff, as the minutely sweep would be
      stack.deliveries.sweep();
      stack.fireDue();
      sweeps++;
    }
    System.setOut(out);
    double seconds = (System.nanoTime() - t0) / 1e9;

    Map<String, Integer> notes = new HashMap<>();
    String cursor = null;
    do {
      ThingPage page = stack.things.search(new ThingQuery("note", List.of(), null, false, 1000, cursor));
      for (Thing t : page.things()) {
        notes.merge((String) t.fields().get("text"), 1, Integer::sum);
      }
      cursor = page.cursor();
    } while (cursor != null);
    Map<String, Integer> emails = new HashMap<>();
    for (LocalOutbox.Sent sent : stack.outbox.sent()) {
      sent.email().to().forEach(to -> emails.merge(to, 1, Integer::sum));
    }
    long uncertain = ids.stream().map(id -> stack.runs.get(id).orElseThrow()).filter(r -> r.steps().stream()
        .anyMatch(s -> s.status().equals(StepRecord.UNCERTAIN))).count();
    long retried = ids.stream().map(id -> stack.runs.get(id).orElseThrow()).filter(r -> r.attempt() > 1).count();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("runs", RUNS);
    figures.put("deliveries", delivered.get());
    figures.put("duplicated", duplicated);
    figures.put("attempts_killed", killed.get());
    figures.put("runs_continued_by_a_later_attempt", retried);
    figures.put("sweeps", sweeps);
    figures.put("notes", notes.size());
    figures.put("notes_twice", notes.values().stream().filter(c -> c > 1).count());
    figures.put("emails", stack.outbox.sent().size());
    figures.put("emails_twice", emails.values().stream().filter(c -> c > 1).count());
    figures.put("emails_uncertain_not_resent", uncertain);
    figures.put("runs_left_running", running(stack));
    figures.put("seconds", Math.round(seconds * 10) / 10.0);
    System.out.println("SOAK " + dev.backendworkflows.internal.Json.write(figures));

    assertThat(killed.get()).isGreaterThan(RUNS / 40);
    assertThat(notes).hasSize(RUNS); // 0 lost runs
    assertThat(notes.values()).allMatch(c -> c == 1); // 0 double effects
    assertThat(notes.keySet()).allMatch(text -> text.endsWith(" done")); // every run reached its end
    assertThat(emails.values()).allMatch(c -> c == 1); // email at most once
    assertThat(stack.outbox.sent().size() + uncertain).isGreaterThanOrEqualTo(RUNS);
    assertThat(running(stack)).isZero(); // 0 runs left running
    assertThat(ids).allMatch(id -> stack.schedules.get(id).orElseThrow().status() == ScheduleStatus.SUCCEEDED);
  }

  private static void deliver(Fixtures.Stack stack, String id, Random random, AtomicInteger killed, AtomicInteger delivered) {
    boolean kill;
    int point;
    synchronized (random) {
      kill = random.nextDouble() < 0.05;
      point = random.nextInt(24);
    }
    delivered.incrementAndGet();
    if (kill) {
      stack.faults.killThisThreadAt(point);
    }
    try {
      stack.deliveries.deliver(id);
    } catch (Faults.Crash dead) {
      killed.incrementAndGet();
    } finally {
      stack.faults.spareThisThread();
    }
  }

  private static int running(Fixtures.Stack stack) {
    return stack.runs.query(new RunQuery(null, RunStatus.RUNNING, 100, null)).runs().size();
  }

  private static int open(Fixtures.Stack stack) {
    return stack.schedules.list(ScheduleStatus.RUNNING, null, 100, null).runs().size()
        + stack.schedules.list(ScheduleStatus.PENDING, null, 100, null).runs().size();
  }
}
