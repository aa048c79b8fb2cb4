package dev.meter.api;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** {@link TimeSource#of(ScheduledExecutorService, Executor)}: the system clock and a JDK timer. */
final class ScheduledExecutorTimeSource implements TimeSource {
  private final ScheduledExecutorService scheduler;
  private final @Nullable Executor callbacks;

  ScheduledExecutorTimeSource(ScheduledExecutorService scheduler, @Nullable Executor callbacks) {
    this.scheduler = scheduler;
    this.callbacks = callbacks;
  }

  @Override
  public long read() {
    return System.nanoTime();
  }

  @Override
  public Scheduled schedule(Runnable callback, long delayNanos) {
    Executor handOff = callbacks;
    if (handOff == null) {
      Future<?> timer = scheduler.schedule(callback, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
      return () -> timer.cancel(false);
    }
    if (delayNanos <= 0) {
      // Nothing to wait for: skip the timer thread.
      Handoff now = new Handoff(callback, handOff);
      handOff.execute(now);
      return now;
    }
    Handoff later = new Handoff(callback, handOff);
    Future<?> timer = scheduler.schedule(later::fire, delayNanos, TimeUnit.NANOSECONDS);
    later.timer = timer;
    return later;
  }

  /** A callback that the timer thread hands to the executor; cancelled, it runs nowhere. */
  private static final class Handoff implements Runnable, Scheduled {
    private final Runnable callback;
    private final Executor executor;
    private volatile boolean cancelled;
    volatile @Nullable Future<?> timer;

    Handoff(Runnable callback, Executor executor) {
      this.callback = callback;
      this.executor = executor;
    }

    void fire() {
      if (!cancelled) {
        executor.execute(this);
      }
    }

    @Override
    public void run() {
      if (!cancelled) {
        callback.run();
      }
    }

    @Override
    public void cancel() {
      cancelled = true;
      Future<?> pending = timer;
      if (pending != null) {
        pending.cancel(false);
      }
    }
  }

  @Override
  public String toString() {
    return "TimeSource.of(" + scheduler + (callbacks == null ? "" : ", " + callbacks) + ")";
  }
}
