package dev.meter.testing;

import dev.meter.api.TimeSource;
import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
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
