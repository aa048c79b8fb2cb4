package dev.meter.api;

import java.lang.System.Logger.Level;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@link TimeSource#of(ScheduledExecutorService, Executor)}: the system clock and a JDK timer. A
 * callback that throws, or that its executor refuses, is logged (System.Logger "dev.meter.api"): a
 * scheduled executor would keep what it threw in a future nobody reads.
 */
final class ScheduledExecutorTimeSource implements TimeSource {
  private static final System.Logger LOG = System.getLogger("dev.meter.api");

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
      Future<?> timer = scheduler.schedule(() -> runLogged(callback), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
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
        try {
          executor.execute(this);
        } catch (RejectedExecutionException refused) {
          // Dropping it could leave a run waiting for ever: run it here, on the timer's thread.
          LOG.log(Level.WARNING, "the executor " + executor + " refused a timer callback; it runs on the timer thread", refused);
          run();
        }
      }
    }

    @Override
    public void run() {
      if (!cancelled) {
        runLogged(callback);
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

  private static void runLogged(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException | Error thrown) {
      LOG.log(Level.ERROR, "a timer callback threw", thrown);
    }
  }

  @Override
  public String toString() {
    return "TimeSource.of(" + scheduler + (callbacks == null ? "" : ", " + callbacks) + ")";
  }
}
