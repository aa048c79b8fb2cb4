package dev.meter.api;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Where a run or a limiter gets its time: a clock to read and a way to be called back once, later. The
 * engine needs nothing else from time, so this is all a test clock ({@code dev.meter.testing.VirtualTime})
 * or a coroutine dispatcher has to give.
 *
 * <p>Readings are nanoseconds from an arbitrary origin, like {@link System#nanoTime()}: only their
 * differences mean anything, and they may wrap past {@link Long#MAX_VALUE}. The engine compares them by
 * subtracting, never with {@code <} or {@link Math#max}.
 *
 * <p>The callback runs the engine's code for one run (its drain loop: task starts, listeners, result
 * delivery). So it must run where that code may take its time without holding up anyone else's
 * timers: meter's default is a scheduled pool of a few threads, one waiting for the next timer while
 * the others run what fell due. A time source built on a {@link ScheduledExecutorService} with
 * {@link #of(ScheduledExecutorService)} runs callbacks on that service's threads (a single-threaded one
 * lets one slow callback hold up every timer); give it an executor with
 * {@link #of(ScheduledExecutorService, Executor)} when the service also times other work.
 */
public interface TimeSource {

  /** The current reading, in nanoseconds. */
  long read();

  /**
   * Calls {@code callback} once, no earlier than {@code delayNanos} from now (at once for zero or less),
   * on another thread or later on this one, never from inside this call.
   *
   * @return a handle that withdraws the call if it has not run yet
   * @throws java.util.concurrent.RejectedExecutionException if the time source can no longer schedule
   */
  Scheduled schedule(Runnable callback, long delayNanos);

  /** A callback set with {@link #schedule}. */
  @FunctionalInterface
  interface Scheduled {
    /** Withdraws the callback: it will not run if it has not started yet. Idempotent. */
    void cancel();
  }

  /**
   * {@link System#nanoTime()} with timers on {@code scheduler}; a callback runs on the scheduler's
   * thread.
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  static TimeSource of(ScheduledExecutorService scheduler) {
    return new ScheduledExecutorTimeSource(Objects.requireNonNull(scheduler, "scheduler"), null);
  }

  /**
   * {@link System#nanoTime()} with timers on {@code scheduler}; a callback that falls due is handed to
   * {@code callbacks}, so that the scheduler's thread only keeps time.
   *
   * @throws NullPointerException if an argument is null
   */
  static TimeSource of(ScheduledExecutorService scheduler, Executor callbacks) {
    return new ScheduledExecutorTimeSource(
        Objects.requireNonNull(scheduler, "scheduler"), Objects.requireNonNull(callbacks, "callbacks"));
  }
}
