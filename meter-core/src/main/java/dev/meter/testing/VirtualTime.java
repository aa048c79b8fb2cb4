package dev.meter.testing;

import dev.meter.api.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A clock and a scheduler that move only when told: test rate-limited code without sleeping.
 *
 * <pre>{@code
 * VirtualTime time = VirtualTime.create();
 * RunOptions options = RunOptions.builder()
 *     .maxPerSecond(1)
 *     .ticker(time)
 *     .scheduler(time.scheduler())
 *     .build();
 * CompletableFuture<List<Integer>> all = Meter.with(options).runAll(calls);  // 1st starts now
 * time.advance(Duration.ofSeconds(99));   // the other 99 start, one per virtual second
 * assertThat(all).isCompleted();
 * }</pre>
 *
 * <p>{@link #advance(Duration)} runs, on the calling thread, every timer that falls due, each with the
 * clock set to its own deadline, in deadline order (ties in the order they were scheduled), then leaves
 * the clock at the end of the step. A timer scheduled with no delay (or with {@code execute}) runs on
 * the next {@code advance}, {@code advance(Duration.ZERO)} included. {@link #delay(Duration)} gives tasks
 * that take virtual time.
 *
 * <p>Thread-safe: any thread may read the clock or schedule; timers run only inside {@code advance}.
 */
public final class VirtualTime implements Ticker {
  private final Object lock = new Object();
  private final PriorityQueue<VirtualTask<?>> timers = new PriorityQueue<>();
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private volatile long now;
  private long horizon;  // guarded by lock
  private long sequence;

  private VirtualTime(long start) {
    this.now = start;
    this.horizon = start;
  }

  /** Virtual time starting at reading 0. */
  public static VirtualTime create() {
    return new VirtualTime(0);
  }

  /** The current virtual reading, in nanoseconds. */
  @Override
  public long read() {
    return now;
  }

  /** The virtual time passed since reading 0. */
  public Duration elapsed() {
    return Duration.ofNanos(now);
  }

  /** The scheduler whose timers run on virtual time; pass it with the clock to a run's options. */
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /**
   * Moves the clock forward by {@code step}, running every timer that falls due on the way.
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
      horizon = Math.max(horizon, now) + stepNanos;
      target = horizon;
    }
    for (;;) {
      VirtualTask<?> due;
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
      due.run();
    }
  }

  /**
   * Advances in steps until no timer is left, at most by {@code limit}; for runs whose end is not
   * known in advance.
   *
   * @return whether no timer was left at the end
   */
  public boolean advanceUntilIdle(Duration limit) {
    Objects.requireNonNull(limit, "limit");
    long end = now + limit.toNanos();
    for (;;) {
      long next;
      synchronized (lock) {
        VirtualTask<?> first = timers.peek();
        if (first == null) {
          return true;
        }
        next = Math.max(first.deadline, now);
      }
      if (next - end > 0) {
        advanceNanos(end - now);
        return pendingTimers() == 0;
      }
      advanceNanos(next - now);
    }
  }

  /** How many timers are waiting to run. */
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
    ScheduledFuture<?> timer = scheduler.schedule(() -> future.complete(value), duration.toNanos(), TimeUnit.NANOSECONDS);
    future.whenComplete((ignored, failure) -> timer.cancel(false));
    return future;
  }

  private <V extends @Nullable Object> VirtualTask<V> enqueue(VirtualTask<V> task) {
    synchronized (lock) {
      if (scheduler.shutdown) {
        throw new RejectedExecutionException("the virtual scheduler was shut down");
      }
      task.sequence = sequence++;
      timers.add(task);
    }
    return task;
  }

  private void remove(VirtualTask<?> task) {
    synchronized (lock) {
      timers.remove(task);
    }
  }

  /** A timer: one-shot ({@code period == 0}), fixed rate ({@code > 0}) or fixed delay ({@code < 0}). */
  private final class VirtualTask<V extends @Nullable Object> extends FutureTask<V>
      implements RunnableScheduledFuture<V> {
    long deadline;
    long sequence;
    private final long period;

    VirtualTask(Callable<V> body, long deadline, long period) {
      super(body);
      this.deadline = deadline;
      this.period = period;
    }

    @Override
    public boolean isPeriodic() {
      return period != 0;
    }

    @Override
    public void run() {
      if (!isPeriodic()) {
        super.run();
      } else if (runAndReset()) {
        deadline = period > 0 ? deadline + period : now - period;
        try {
          enqueue(this);
        } catch (RejectedExecutionException shutDown) {
          cancel(false);
        }
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        remove(this);
      }
      return cancelled;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(deadline - now, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      if (other == this) {
        return 0;
      }
      if (other instanceof VirtualTask<?> task) {
        int byDeadline = Long.compare(deadline - now, task.deadline - now);
        return byDeadline != 0 ? byDeadline : Long.compare(sequence, task.sequence);
      }
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }

  private final class VirtualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    volatile boolean shutdown;

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      Objects.requireNonNull(command, "command");
      return enqueue(new VirtualTask<>(Executors.callable(command, null), deadline(delay, unit), 0));
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      Objects.requireNonNull(callable, "callable");
      return enqueue(new VirtualTask<>(callable, deadline(delay, unit), 0));
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      Objects.requireNonNull(command, "command");
      if (period <= 0) {
        throw new IllegalArgumentException("period must be > 0, but was " + period);
      }
      return enqueue(new VirtualTask<>(Executors.callable(command, null), deadline(initialDelay, unit), unit.toNanos(period)));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      Objects.requireNonNull(command, "command");
      if (delay <= 0) {
        throw new IllegalArgumentException("delay must be > 0, but was " + delay);
      }
      return enqueue(new VirtualTask<>(Executors.callable(command, null), deadline(initialDelay, unit), -unit.toNanos(delay)));
    }

    private long deadline(long delay, TimeUnit unit) {
      return now + Math.max(0L, unit.toNanos(delay));
    }

    @Override
    public void execute(Runnable command) {
      schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      List<Runnable> pending;
      synchronized (lock) {
        pending = new ArrayList<>(timers);
        timers.clear();
      }
      return pending;
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown && pendingTimers() == 0;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return isTerminated();
    }
  }
}
