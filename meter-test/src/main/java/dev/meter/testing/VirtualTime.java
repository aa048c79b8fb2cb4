package dev.meter.testing;

import dev.meter.api.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TimeSource} that moves only when told: test rate-limited code without sleeping.
 *
 * <pre>{@code
 * VirtualTime time = VirtualTime.create();
 * RunOptions options = RunOptions.builder().maxPerSecond(1).timeSource(time).build();
 * CompletableFuture<List<Integer>> all = Meter.with(options).runAll(calls);  // 1st starts now
 * time.advance(Duration.ofSeconds(99));   // the other 99 start, one per virtual second
 * assertThat(all).isCompleted();
 * }</pre>
 *
 * <p>{@link #advance(Duration)} runs, on the calling thread, every callback that falls due, each with
 * the clock set to its own deadline, in deadline order (ties in the order they were scheduled),
 * callbacks scheduled meanwhile included, then leaves the clock at the end of the step. A callback
 * scheduled with no delay runs on the next {@code advance}, {@code advance(Duration.ZERO)} included.
 * {@link #delay(Duration)} gives tasks that take virtual time.
 *
 * <p>Thread-safe: any thread may read the clock or schedule; callbacks run only inside {@code advance}.
 */
public final class VirtualTime implements TimeSource {
  private final Object lock = new Object();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private volatile long now;
  private long horizon;  // guarded by lock
  private long sequence;  // guarded by lock
  private volatile boolean shutDown;

  private VirtualTime(long start) {
    this.now = start;
    this.horizon = start;
  }

  /** Virtual time starting at reading 0. */
  public static VirtualTime create() {
    return new VirtualTime(0);
  }

  /**
   * Virtual time starting at {@code reading}; readings past {@link Long#MAX_VALUE} wrap, as
   * {@link System#nanoTime()}'s may.
   */
  public static VirtualTime startingAt(long reading) {
    return new VirtualTime(reading);
  }

  /** The current virtual reading, in nanoseconds. */
  @Override
  public long read() {
    return now;
  }

  /**
   * Runs {@code callback} when the clock has moved {@code delayNanos} past now, inside a later
   * {@link #advance}.
   *
   * @throws RejectedExecutionException after {@link #shutDown()}
   */
  @Override
  public Scheduled schedule(Runnable callback, long delayNanos) {
    Objects.requireNonNull(callback, "callback");
    Timer timer = new Timer(callback, now + Math.max(0, delayNanos));
    synchronized (lock) {
      if (shutDown) {
        throw new RejectedExecutionException("this virtual time was shut down: it schedules nothing more");
      }
      timer.sequence = sequence++;
      timers.add(timer);
    }
    return timer;
  }

  /** From now on {@link #schedule} throws {@link RejectedExecutionException}, as a shut-down timer does. */
  public void shutDown() {
    shutDown = true;
  }

  /**
   * Moves the clock forward by {@code step}, running every callback that falls due on the way.
   *
   * @throws IllegalArgumentException if {@code step} is negative
   */
  public void advance(Duration step) {
    Objects.requireNonNull(step, "step");
    if (step.isNegative()) {
      throw new IllegalArgumentException("step must not be negative, but was " + step);
    }
    advanceNanos(step.toNanos());
  }

  /** {@link #advance(Duration)} in nanoseconds. */
  public void advanceNanos(long stepNanos) {
    if (stepNanos < 0) {
      throw new IllegalArgumentException("stepNanos must not be negative, but was " + stepNanos);
    }
    long target;
    synchronized (lock) {
      // Steps add up even when threads advance at once: each extends the furthest time asked for.
      horizon = (horizon - now >= 0 ? horizon : now) + stepNanos;
      target = horizon;
    }
    for (;;) {
      Timer due;
      synchronized (lock) {
        due = timers.peek();
        if (due == null || due.deadline - target > 0) {
          if (target - now > 0) {
            now = target;  // never backwards: a concurrent, longer advance may have gone further
          }
          return;
        }
        timers.poll();
        if (due.deadline - now > 0) {
          now = due.deadline;
        }
      }
      due.fire();
    }
  }

  /**
   * Advances in steps until no callback is left, at most by {@code limit}; for runs whose end is not
   * known in advance.
   *
   * @return whether no callback was left at the end
   */
  public boolean advanceUntilIdle(Duration limit) {
    Objects.requireNonNull(limit, "limit");
    long end = now + limit.toNanos();
    for (;;) {
      long next;
      synchronized (lock) {
        Timer first = timers.peek();
        if (first == null) {
          return true;
        }
        next = first.deadline - now > 0 ? first.deadline : now;
      }
      if (next - end > 0) {
        advanceNanos(end - now);
        return pendingTimers() == 0;
      }
      advanceNanos(next - now);
    }
  }

  /**
   * Runs {@code consumer} on a thread of its own and, whenever it waits, moves the clock to the next
   * deadline and runs what falls due there, until it returns: a blocking {@code Amap} loop in virtual
   * time, in a few lines.
   *
   * <pre>{@code
   * VirtualTime time = VirtualTime.create();
   * Meter meter = Meter.with(RunOptions.builder().maxPerSecond(1).timeSource(time).build());
   * List<String> pages = time.autoAdvance(() -> {
   *   List<String> got = new ArrayList<>();
   *   try (Amap<String> results = meter.amap(urls, url -> time.delay(Duration.ofMillis(300), url))) {
   *     results.forEach(got::add);   // waits; the clock moves to each next start or result
   *   }
   *   return got;
   * });
   * }</pre>
   *
   * <p>The consumer counts as waiting when its thread is blocked (waiting for a result, a lock or a
   * future) and no timer has fallen due since. Time moves only while it waits, so everything the
   * consumer waits for should come from this clock's timers; work done on other threads in real time
   * is waited for, and if the consumer waits with no timer pending for {@code 10} seconds of real
   * time, nothing can ever wake it: it is interrupted and this throws.
   *
   * @return what {@code consumer} returned
   * @throws Exception what {@code consumer} threw, as it is
   * @throws IllegalStateException if the consumer waits with no timer pending for 10 s of real time
   */
  public <V extends @Nullable Object> V autoAdvance(Callable<V> consumer) throws Exception {
    return autoAdvance(Duration.ofSeconds(10), consumer);
  }

  /** {@link #autoAdvance(Callable)} for a consumer that returns nothing. */
  public void autoAdvance(Body consumer) throws Exception {
    Objects.requireNonNull(consumer, "consumer");
    autoAdvance(Duration.ofSeconds(10), () -> {
      consumer.run();
      return null;
    });
  }

  /**
   * {@link #autoAdvance(Callable)}, giving up after {@code stallLimit} of real time during which the
   * consumer waits with no timer pending.
   *
   * @throws IllegalArgumentException if {@code stallLimit} is not positive
   */
  public <V extends @Nullable Object> V autoAdvance(Duration stallLimit, Callable<V> consumer) throws Exception {
    Objects.requireNonNull(stallLimit, "stallLimit");
    Objects.requireNonNull(consumer, "consumer");
    if (stallLimit.isZero() || stallLimit.isNegative()) {
      throw new IllegalArgumentException("stallLimit must be a positive duration, but was " + stallLimit);
    }
    FutureTask<V> task = new FutureTask<>(consumer);
    Thread thread = new Thread(task, "virtual-time-consumer");
    thread.setDaemon(true);
    thread.start();
    long stalledSince = System.nanoTime();
    while (!task.isDone()) {
      if (!waitsSteadily(thread, task)) {
        stalledSince = System.nanoTime();
        continue;
      }
      if (advanceToNextTimer()) {
        stalledSince = System.nanoTime();
      } else if (System.nanoTime() - stalledSince > stallLimit.toNanos()) {
        thread.interrupt();
        thread.join(stallLimit.toMillis());
        throw new IllegalStateException("the consumer waited " + stallLimit
            + " of real time with no virtual timer pending: nothing can wake it");
      } else {
        LockSupport.parkNanos(100_000);
      }
    }
    try {
      return task.get();
    } catch (ExecutionException failed) {
      Throwable cause = failed.getCause();
      if (cause instanceof Exception exception) {
        throw exception;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw failed;
    }
  }

  /** A consumer for {@link #autoAdvance(Body)}: code that returns nothing and may throw. */
  @FunctionalInterface
  public interface Body {
    /** Runs the consumer. */
    void run() throws Exception;
  }

  /**
   * Whether {@code thread} is blocked and stays so for a moment: a thread handing a result over may be
   * blocked for an instant without waiting for time to move.
   */
  private static boolean waitsSteadily(Thread thread, Future<?> task) {
    for (int check = 0; check < 3; check++) {
      Thread.State state = thread.getState();
      if (task.isDone() || (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING
          && state != Thread.State.BLOCKED)) {
        Thread.onSpinWait();
        return false;
      }
      LockSupport.parkNanos(20_000);
    }
    return true;
  }

  /** Moves the clock to the earliest timer's deadline and runs what falls due; false if none is pending. */
  private boolean advanceToNextTimer() {
    long step;
    synchronized (lock) {
      Timer first = timers.peek();
      if (first == null) {
        return false;
      }
      step = Math.max(0, first.deadline - now);
    }
    advanceNanos(step);
    return true;
  }

  /** The virtual time passed since this clock was created at reading 0. */
  public Duration elapsed() {
    return Duration.ofNanos(now);
  }

  /** How many callbacks are waiting to run. */
  public int pendingTimers() {
    synchronized (lock) {
      return timers.size();
    }
  }

  /** A future completed when the clock has moved {@code duration} past now: a task that takes time. */
  public CompletableFuture<@Nullable Void> delay(Duration duration) {
    return delay(duration, null);
  }

  /** A future completed with {@code value} when the clock has moved {@code duration} past now. */
  public <T extends @Nullable Object> CompletableFuture<T> delay(Duration duration, T value) {
    Objects.requireNonNull(duration, "duration");
    CompletableFuture<T> future = new CompletableFuture<>();
    Scheduled timer = schedule(() -> future.complete(value), duration.toNanos());
    future.whenComplete((ignored, failure) -> timer.cancel());
    return future;
  }

  /** One scheduled callback. */
  private final class Timer implements Scheduled, Comparable<Timer> {
    private final Runnable callback;
    final long deadline;
    long sequence;
    private volatile boolean cancelled;

    Timer(Runnable callback, long deadline) {
      this.callback = callback;
      this.deadline = deadline;
    }

    void fire() {
      if (!cancelled) {
        callback.run();
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      synchronized (lock) {
        timers.remove(this);
      }
    }

    @Override
    public int compareTo(Timer other) {
      int byDeadline = Long.compare(deadline - now, other.deadline - now);
      return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
    }
  }
}
