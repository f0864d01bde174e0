package dev.backendworkflows.testutils;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Fault injection at the ports: wraps the adapters a run uses (the same hook works around the local
 * and the DynamoDB adapters), numbers every call while armed, and kills the attempt before or after
 * a chosen call, or holds it there. Point {@code 2k} is "before call k", {@code 2k + 1} "after
 * call k" — so before and after each effect and each journal write. The kill is a {@link Crash}, an
 * {@link Error} no catch of the engine swallows: to the run it is what {@code kill -9} or a Lambda
 * timeout is.
 */
public final class Faults {
  /** The attempt died here. */
  public static final class Crash extends Error {
    public Crash(String where) {
      super("simulated crash " + where, null, false, false);
    }
  }

  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean armed;
  private volatile int crashAt = -1;
  private volatile int holdAt = -1;
  private volatile CountDownLatch held;
  private volatile CountDownLatch release;
  private volatile Predicate<String> crashEvery = c -> false;
  private volatile Predicate<String> holdBefore = c -> false;
  private volatile Predicate<String> failBefore = c -> false;
  private volatile Predicate<String> failAfter = c -> false;
  private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
  private volatile java.util.function.Function<String, RuntimeException> failWith = Fault::new;
  /** Per thread: the point at which to kill this thread's attempt, and how many points it has passed. */
  private final ThreadLocal<int[]> threadPlan = new ThreadLocal<>();

  /** A fault of the infrastructure (a throttled or timed-out call), not a crash: the code sees an exception. */
  public static final class Fault extends RuntimeException {
    public Fault(String where) {
      super("simulated fault " + where, null, false, false);
    }
  }

  /** Starts numbering calls (from 0), with no fault planned yet. */
  public Faults arm() {
    calls.clear();
    crashAt = -1;
    holdAt = -1;
    crashEvery = c -> false;
    holdBefore = c -> false;
    failBefore = c -> false;
    failAfter = c -> false;
    armed = true;
    return this;
  }

  /** Holds the first call that matches, before it is made, until {@link #release()}. */
  public Faults holdBefore(Predicate<String> call) {
    arm();
    held = new CountDownLatch(1);
    release = new CountDownLatch(1);
    holdBefore = call;
    return this;
  }

  /** The next {@code times} calls that match fail with a {@link Fault} before they are made. */
  public Faults failBefore(Predicate<String> call, int times) {
    return failBefore(call, times, Fault::new);
  }

  /** The next {@code times} calls that match fail before they are made, with the exception {@code fault} makes of the point. */
  public Faults failBefore(Predicate<String> call, int times, java.util.function.Function<String, RuntimeException> fault) {
    arm();
    failures.set(times);
    failBefore = call;
    failWith = fault;
    return this;
  }

  /** The next {@code times} calls that match are made, then fail with a {@link Fault} (the answer was lost). */
  public Faults failAfter(Predicate<String> call, int times) {
    arm();
    failures.set(times);
    failAfter = call;
    return this;
  }

  /**
   * Kills the calling thread's attempt at its {@code point}-th point (counted on this thread only,
   * whether or not the faults are armed), so many threads can die at points of their own.
   */
  public void killThisThreadAt(int point) {
    threadPlan.set(new int[] {point, 0});
  }

  /** Stops killing this thread. */
  public void spareThisThread() {
    threadPlan.remove();
  }

  /** Stops numbering and injecting. */
  public void disarm() {
    armed = false;
  }

  /** Kills the attempt at {@code point} (2k: before call k, 2k+1: after it); then disarms. */
  public Faults crashAt(int point) {
    arm();
    crashAt = point;
    return this;
  }

  /** Kills the attempt before every call whose name matches, for as long as armed. */
  public Faults crashBefore(Predicate<String> call) {
    arm();
    crashEvery = call;
    return this;
  }

  /** Holds the calling thread at {@code point} until {@link #release()}; {@link #awaitHeld()} waits for it to get there. */
  public Faults holdAt(int point) {
    arm();
    holdAt = point;
    held = new CountDownLatch(1);
    release = new CountDownLatch(1);
    return this;
  }

  public void awaitHeld() throws InterruptedException {
    if (!held.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("the attempt never reached point " + holdAt + "; calls: " + calls());
    }
  }

  public void release() {
    release.countDown();
  }

  /** The calls numbered so far, as {@code Port.method}. */
  public List<String> calls() {
    synchronized (calls) {
      return List.copyOf(calls);
    }
  }

  /** Describes a point: {@code before RunLog.write #3}. */
  public static String describe(int point, List<String> calls) {
    int k = point / 2;
    return (point % 2 == 0 ? "before " : "after ") + (k < calls.size() ? calls.get(k) : "call") + " #" + k;
  }

  /** {@code impl} behind a proxy of the port interfaces it implements among {@code ports}. */
  @SuppressWarnings("unchecked")
  public <T> T wrap(T impl, Class<?>... ports) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getDeclaringClass() == Object.class) {
        return method.invoke(impl, args);
      }
      if (method.getName().equals("atDepth")) { // a view of the same store, no call of its own: its calls are hooked too
        return wrap(method.invoke(impl, args), ports);
      }
      String name = method.getDeclaringClass().getSimpleName() + "." + method.getName();
      threadPoint(name, "before");
      int k = -1;
      if (armed) {
        synchronized (calls) {
          k = calls.size();
          calls.add(name);
        }
        point(2 * k, name);
      }
      Object result;
      try {
        result = method.invoke(impl, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      if (k >= 0) {
        point(2 * k + 1, name);
      }
      threadPoint(name, "after");
      return result;
    };
    return (T) Proxy.newProxyInstance(Faults.class.getClassLoader(), ports, handler);
  }

  private void threadPoint(String name, String when) {
    int[] plan = threadPlan.get();
    if (plan != null && plan[1]++ == plan[0]) {
      threadPlan.remove();
      throw new Crash(when + " " + name + " on " + Thread.currentThread().getName());
    }
  }

  private void point(int p, String name) throws InterruptedException {
    if (p % 2 == 0 && armed && crashEvery.test(name)) {
      throw new Crash("before " + name);
    }
    if (p % 2 == 0 && armed && failBefore.test(name) && failures.getAndDecrement() > 0) {
      throw failWith.apply("before " + name);
    }
    if (p % 2 == 1 && armed && failAfter.test(name) && failures.getAndDecrement() > 0) {
      throw new Fault("after " + name);
    }
    if (p % 2 == 0 && armed && holdBefore.test(name)) {
      holdBefore = c -> false;
      held.countDown();
      if (!release.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("never released");
      }
    }
    if (p == crashAt) {
      crashAt = -1;
      armed = false;
      throw new Crash(describe(p, calls()));
    }
    if (p == holdAt) {
      holdAt = -1;
      held.countDown();
      if (!release.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("never released");
      }
    }
  }
}
