package dev.meter.core;

import dev.meter.api.LimiterConfig;
import dev.meter.api.MeterListener;
import dev.meter.api.MeterStats;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.StatsRecorder;
import dev.meter.api.Ticker;
import dev.meter.api.internal.Checks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A concurrency limit, a GCRA rate and a pause behind one lock. The lock is held only for a few
 * arithmetic steps and never while waiting: a refused run registers a wake-up and returns, and the
 * limiter wakes every waiter when a permit comes back, the limits change, or its one timer fires at
 * the next time the rate or a pause may allow a start. Waking everyone is deliberate: a waiter woken
 * alone may not take the start (its run was cancelled, or another of its limits refuses) and the
 * others would sleep on.
 *
 * <p>Time is the limiter's own {@link Ticker}, not the calling run's, since runs with different clocks
 * may share it; from the run it takes only how long the start has waited.
 */
final class DefaultSharedLimiter implements SharedLimiter, ObservedLimiter {
  /** A keyed limiter's answer: this limiter was forgotten as idle; look the key up again. */
  static final long RETIRED = Long.MIN_VALUE + 1;

  static final Registration NOTHING_TO_WITHDRAW = () -> {};

  private final Object lock = new Object();
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final SignalWaiters waiters = new SignalWaiters();
  private final StatsRecorder stats;
  private final MeterListener listener;

  // Guarded by lock.
  private int maxAtOnce;
  private @Nullable Rate rate;
  private int maxBurst;
  private @Nullable Gcra gcra;
  private int running;
  private boolean paused;
  private long pausedUntil;
  private boolean retired;
  private @Nullable ScheduledFuture<?> timer;
  private long timerAt;
  private long timerSequence;  // which timer is current: a replaced one may still fire

  DefaultSharedLimiter(LimiterConfig config) {
    this(config, new StatsRecorder());
  }

  private DefaultSharedLimiter(LimiterConfig config, StatsRecorder stats) {
    this(config, stats, new Listeners(withStats(stats, config.listeners())));
  }

  /** A limiter whose counters and listeners are shared with others (the keys of a keyed limiter). */
  DefaultSharedLimiter(LimiterConfig config, StatsRecorder stats, MeterListener listener) {
    this.ticker = Objects.requireNonNullElse(config.ticker(), Ticker.system());
    this.scheduler = Objects.requireNonNullElseGet(config.scheduler(), Defaults::scheduler);
    this.maxAtOnce = config.maxAtOnce();
    this.rate = config.rate();
    this.maxBurst = config.maxBurst();
    this.gcra = rate == null ? null : new Gcra(rate, maxBurst, ticker.read());
    this.stats = stats;
    this.listener = listener;
  }

  /** The counters first, then the user's listeners. */
  static List<MeterListener> withStats(StatsRecorder stats, List<MeterListener> listeners) {
    List<MeterListener> all = new ArrayList<>(listeners.size() + 1);
    all.add(stats);
    all.addAll(listeners);
    return all;
  }

  // ---- the limiter SPI ----

  @Override
  public long tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    long waited = Math.max(0, nowNanos - waitingSinceNanos);
    synchronized (lock) {
      if (retired) {
        return RETIRED;
      }
      long now = ticker.read();
      if (paused && now - pausedUntil < 0) {
        wakeAt(pausedUntil, now);
        return AWAIT_SIGNAL;
      }
      if (running >= maxAtOnce) {
        return AWAIT_SIGNAL;  // a release signals
      }
      Gcra current = gcra;
      if (current != null) {
        long since = now - waited;
        if (paused && since - pausedUntil < 0) {
          since = pausedUntil;  // a start held by a pause was due at its end, not before: no late credit
        }
        long answer = current.tryAcquire(now, since);
        if (answer != ACQUIRED) {
          wakeAt(answer, now);
          return AWAIT_SIGNAL;
        }
      }
      running++;
      return ACQUIRED;
    }
  }

  @Override
  public void refund(@Nullable Object item, long nowNanos) {
    synchronized (lock) {
      running--;
      Gcra current = gcra;
      if (current != null) {
        current.refund();
      }
    }
    waiters.signalAll();
  }

  @Override
  public void release(@Nullable Object item, long nowNanos) {
    synchronized (lock) {
      running--;
    }
    waiters.signalAll();
  }

  @Override
  public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
    Registration registration;
    synchronized (lock) {
      // Under the lock, so no release, change or timer can slip between this check and the registration.
      long now = ticker.read();
      if (retired || mayStart(now)) {
        registration = null;
      } else {
        registration = waiters.add(wakeUp);
        if (running < maxAtOnce) {
          // Held by time (a pause, the rate), not by a permit a release would signal. The timer the
          // refusal set may have fired between that refusal and this registration, and another start
          // may have taken the slot it announced: make sure a timer wakes this waiter.
          wakeAt(nextStartAt(now), now);
        }
      }
    }
    if (registration == null) {
      wakeUp.run();
      return NOTHING_TO_WITHDRAW;
    }
    return registration;
  }

  @Override
  public MeterListener listener() {
    return listener;
  }

  // ---- changes ----

  @Override
  public int maxAtOnce() {
    synchronized (lock) {
      return maxAtOnce;
    }
  }

  @Override
  public @Nullable Rate rate() {
    synchronized (lock) {
      return rate;
    }
  }

  @Override
  public int maxBurst() {
    synchronized (lock) {
      return maxBurst;
    }
  }

  @Override
  public void setMaxAtOnce(int maxAtOnce) {
    Checks.maxAtOnce(maxAtOnce);
    synchronized (lock) {
      this.maxAtOnce = maxAtOnce;
    }
    waiters.signalAll();
  }

  @Override
  public void setMaxPerSecond(double maxPerSecond) {
    setRate(Rate.perSecond(maxPerSecond));
  }

  @Override
  public void setRate(Rate rate) {
    Objects.requireNonNull(rate, "rate");
    synchronized (lock) {
      Checks.burstFitsRate(maxBurst, rate);
      reconfigure(rate, maxBurst);
    }
    waiters.signalAll();
  }

  @Override
  public void setMaxBurst(int maxBurst) {
    Checks.maxBurst(maxBurst);
    synchronized (lock) {
      Checks.burstFitsRate(maxBurst, rate);
      Rate current = rate;
      if (current == null) {
        this.maxBurst = maxBurst;  // only 1 passes the check above without a rate
      } else {
        reconfigure(current, maxBurst);
      }
    }
    waiters.signalAll();
  }

  private void reconfigure(Rate newRate, int newBurst) {
    long now = ticker.read();
    Gcra current = gcra;
    if (current == null) {
      gcra = new Gcra(newRate, newBurst, now);
    } else {
      current.reconfigure(newRate, newBurst, now);
    }
    rate = newRate;
    maxBurst = newBurst;
    cancelTimer();  // the waiters are woken and ask again, which sets the timer the new rate needs
  }

  @Override
  public void pauseFor(Duration duration) {
    checkPause(duration);
    pause(saturatedNanos(duration));
    // Waiters need no signal: whoever asks next is refused and sets the timer for the pause's end.
  }

  /** Extends the pause to {@code nanos} from now; false if this limiter was retired (forgotten as idle). */
  boolean pause(long nanos) {
    synchronized (lock) {
      if (retired) {
        return false;
      }
      long now = ticker.read();
      long until = now + nanos;
      if (!paused || until - pausedUntil > 0) {
        paused = true;
        pausedUntil = until;
      }
      return true;
    }
  }

  @Override
  public void pauseUntil(Instant until) {
    Objects.requireNonNull(until, "until");
    Duration left = Duration.between(Instant.now(), until);
    if (!left.isNegative()) {
      pauseFor(left);
    }
  }

  static void checkPause(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative, but was " + duration);
    }
  }

  static long saturatedNanos(Duration duration) {
    try {
      return Math.min(duration.toNanos(), Long.MAX_VALUE / 4);
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE / 4;
    }
  }

  @Override
  public MeterStats stats() {
    return stats.snapshot();
  }

  // ---- for the keyed limiter ----

  /**
   * Forgets this limiter if it is idle: nothing running or waiting, no pause in force, its full burst
   * back. Such a limiter is indistinguishable from a new one, so dropping it loses nothing; once
   * retired it refuses every start with {@link #RETIRED} so no run can use it after it is dropped.
   */
  boolean retireIfIdle() {
    synchronized (lock) {
      long now = ticker.read();
      boolean idle = running == 0
          && waiters.isEmpty()
          && !(paused && now - pausedUntil < 0)
          && (gcra == null || gcra.isFull(now));
      if (idle) {
        retired = true;
        cancelTimer();
      }
      return idle;
    }
  }

  /** Tasks holding a permit now; for tests that check the limiter's own bookkeeping. */
  int running() {
    synchronized (lock) {
      return running;
    }
  }

  /** Whether a wake-up is registered and neither fired nor withdrawn; for the same tests. */
  boolean hasWaiters() {
    return !waiters.isEmpty();
  }

  // ---- timer ----

  private boolean mayStart(long now) {
    return !(paused && now - pausedUntil < 0)
        && running < maxAtOnce
        && (gcra == null || gcra.conforms(now));
  }

  /** When time alone stops holding a start: the end of a pause, the rate's next slot. Under the lock. */
  private long nextStartAt(long now) {
    long at = now;
    if (paused && at - pausedUntil < 0) {
      at = pausedUntil;
    }
    Gcra current = gcra;
    if (current != null && at - current.nextConformingAt() < 0) {
      at = current.nextConformingAt();
    }
    return at;
  }

  /** Makes sure the timer fires by {@code at}: waiters must ask again then. Called under the lock. */
  private void wakeAt(long at, long now) {
    ScheduledFuture<?> current = timer;
    if (current != null && timerAt - at <= 0) {
      if (timerAt - now > 0) {
        return;  // a timer still to come fires first, and the waiters it wakes ask again
      }
      // That timer is due: it may be signalling right now, before the caller registers. Leave it to
      // fire, and set another for this later time.
    } else if (current != null) {
      current.cancel(false);  // a later timer gives way to this earlier one
    }
    timerAt = at;
    long sequence = ++timerSequence;
    timer = scheduler.schedule(() -> onTimer(sequence), Math.max(0, at - now), TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    ScheduledFuture<?> current = timer;
    if (current != null) {
      current.cancel(false);
      timer = null;
      timerSequence++;
    }
  }

  private void onTimer(long sequence) {
    synchronized (lock) {
      if (sequence == timerSequence) {
        timer = null;
      }
    }
    waiters.signalAll();
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "SharedLimiter{maxAtOnce=" + (maxAtOnce == RunOptions.UNLIMITED ? "unlimited" : maxAtOnce)
          + ", rate=" + rate + ", maxBurst=" + maxBurst + ", running=" + running + "}";
    }
  }
}
