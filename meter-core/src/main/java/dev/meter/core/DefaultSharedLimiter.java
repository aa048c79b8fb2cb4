package dev.meter.core;

import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.event.MeterListener;
import dev.meter.api.event.MeterStats;
import dev.meter.api.Rate;
import dev.meter.api.SharedLimiter;
import dev.meter.api.TimeSource;
import dev.meter.api.internal.Checks;
import dev.meter.api.internal.TaskCounters;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A concurrency limit, a GCRA rate and a pause behind one lock. The lock is held only for a few
 * arithmetic steps and never while waiting: a refused run registers a wake-up and returns, and the
 * limiter wakes every waiter when a permit comes back, the limits change, or its one timer fires at
 * the next time the rate or a pause may allow a start. Waking everyone is deliberate: a waiter woken
 * alone may not take the start (its run was cancelled, or another of its limits refuses) and the
 * others would sleep on.
 *
 * <p>Time is the limiter's own {@link TimeSource}, not the calling run's, since runs with different
 * clocks may share it; from the run it takes only how long the start has waited.
 *
 * <p>The admission rule is written once, in {@link #decide}: not paused, below {@code maxAtOnce}, the
 * GCRA conforms.
 */
final class DefaultSharedLimiter implements SharedLimiter, ObservedLimiter, KeyLimit {
  static final Registration NOTHING_TO_WITHDRAW = () -> {};

  private final Object lock = new Object();
  private final TimeSource time;
  private final SignalWaiters waiters = new SignalWaiters();
  private final TaskCounters counters;
  private final List<MeterListener> listeners;
  /** The timer that wakes the waiters when time alone stops holding a start. Guarded by lock. */
  private final Wakeup wakeup;
  /** The permit of a start the rate did not book (no rate was set). */
  private final Grant unbooked = new Grant(this, 0);

  // Guarded by lock.
  private int maxAtOnce;
  private @Nullable Rate rate;
  private int maxBurst;
  /** The three above as one value, replaced under the lock whenever one changes. */
  private volatile Limits published;
  private @Nullable Gcra gcra;
  /** Permits granted and not yet released or refunded: never above maxAtOnce at a grant. */
  private int running;
  /** A pause is in force while {@code paused} and the clock is before {@code pausedUntil}. */
  private boolean paused;
  private long pausedUntil;
  /** Forgotten by its keyed limiter as idle: it grants nothing any more (see {@link #retireIfIdle}). */
  private boolean retired;
  /**
   * Raised (under the lock) by every change of the limits or a pause: a lease taken before it is void
   * (see {@link #lease}). Read without the lock by the runs that hold leases, once per start.
   */
  private volatile long leaseEpoch;

  private final String name;

  DefaultSharedLimiter(LimiterConfig config) {
    this(config, new TaskCounters());
  }

  @Override
  public String name() {
    return name;
  }

  /** A limiter whose counters are shared with others (the keys of a keyed limiter). */
  DefaultSharedLimiter(LimiterConfig config, TaskCounters counters) {
    this(config, counters, config.name());
  }

  /** One key's limiter in a keyed limiter, named {@code name} ("keyed-name:key"). */
  DefaultSharedLimiter(LimiterConfig config, TaskCounters counters, String name) {
    this.name = name;
    this.time = Objects.requireNonNullElseGet(config.timeSource(), Defaults::timeSource);
    this.maxAtOnce = config.limits().maxAtOnce();
    this.rate = config.limits().rate();
    this.maxBurst = config.limits().maxBurst();
    this.published = config.limits();
    this.gcra = rate == null ? null : new Gcra(rate, maxBurst, time.read());
    this.counters = counters;
    this.listeners = config.listeners();
    this.wakeup = new Wakeup(time, waiters::signalAll);
  }

  // ---- the limiter SPI ----

  /**
   * The SPI's tryAcquire for a start that has waited {@code waitedNanos} (by the run's clock); null if
   * this limiter was retired, and the keyed limiter must look its key up again.
   */
  @Override
  public @Nullable Decision tryAcquireUnlessRetired(long waitedNanos) {
    return tryAcquireUnlessRetired(waitedNanos, null);
  }

  /** A start that {@link #RATE_BOUND the rate} or {@link #AT_ONCE_BOUND maxAtOnce} held back: see {@link #tryAcquireUnlessRetired(long, int[])}. */
  static final int RATE_BOUND = 1;
  static final int AT_ONCE_BOUND = 2;

  /**
   * {@link #tryAcquireUnlessRetired(long)}, also telling an adaptive limiter, in {@code bound[0]}, which
   * of the limits were what held a granted start back: the rate if the start came within about half
   * an interval plus half the burst of the earliest moment it allowed, maxAtOnce if the grant took the
   * last permit. A start neither held back says nothing about whether the limits could be higher.
   */
  @Nullable Decision tryAcquireUnlessRetired(long waitedNanos, int @Nullable [] bound) {
    long waited = Math.max(0, waitedNanos);
    synchronized (lock) {
      if (retired) {
        return null;
      }
      // Only a pause or a rate looks at the time; a limiter of maxAtOnce alone never reads the clock.
      long now = paused || gcra != null ? time.read() : 0;
      long since = now - waited;
      if (paused && since - pausedUntil < 0) {
        since = pausedUntil;  // a start held by a pause was due at its end, not before: no late credit
      }
      long heldUntil = decide(now);
      if (heldUntil == HELD_BY_PERMITS) {
        return Decision.awaitSignal();  // a release signals
      }
      if (heldUntil != ALLOWED) {
        wakeup.wakeAt(heldUntil, now);
        return Decision.awaitSignal();
      }
      Gcra current = gcra;
      if (bound != null) {
        bound[0] = (current != null && current.heldBack(now) ? RATE_BOUND : 0) | (running + 1 >= maxAtOnce ? AT_ONCE_BOUND : 0);
      }
      long grant = current == null ? 0 : current.tryAcquire(now, since);
      running++;
      return grant == 0 ? unbooked : new Grant(this, grant);
    }
  }

  private static final long ALLOWED = Long.MIN_VALUE;
  private static final long HELD_BY_PERMITS = Long.MAX_VALUE;

  /**
   * The admission rule, without side effects: {@link #ALLOWED} if a start may go now,
   * {@link #HELD_BY_PERMITS} if {@code maxAtOnce} holds it (a release will signal), or else the reading
   * at which to wake the waiters since time alone holds it (the end of a pause, the rate's
   * {@link Gcra#wakeUpAt()}). Under the lock.
   */
  private long decide(long now) {
    if (paused && now - pausedUntil < 0) {
      return pausedUntil;
    }
    if (running >= maxAtOnce) {
      return HELD_BY_PERMITS;
    }
    Gcra current = gcra;
    if (current != null && !current.conforms(now)) {
      return current.wakeUpAt();  // may be later than the next slot, so that one wake-up starts several
    }
    return ALLOWED;
  }

  @Override
  public void refund(Permit permit, long nowNanos) {
    Grant grant = own(permit);
    synchronized (lock) {
      running--;
      Gcra current = gcra;
      if (current != null) {
        current.refund(grant.number());
      }
    }
    waiters.signalAll();
  }

  @Override
  public void release(Permit permit, long nowNanos) {
    own(permit);
    synchronized (lock) {
      running--;
    }
    waiters.signalAll();
  }

  private Grant own(Permit permit) {
    if (!(permit instanceof Grant grant) || grant.limiter() != this) {
      throw new IllegalArgumentException("permit was not granted by this limiter: " + permit);
    }
    return grant;
  }

  @Override
  public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
    Registration registration;
    synchronized (lock) {
      // Under the lock, so no release, change or timer can slip between this check and the registration.
      long now = time.read();
      long heldUntil = decide(now);
      if (retired || heldUntil == ALLOWED) {
        registration = null;
      } else {
        registration = waiters.add(wakeUp);
        if (heldUntil != HELD_BY_PERMITS) {
          // Held by time (a pause, the rate), not by a permit a release would signal. The timer the
          // refusal set may have fired between that refusal and this registration, and another start
          // may have taken the slot it announced: make sure a timer wakes this waiter.
          wakeup.wakeAt(heldUntil, now);
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
  public TaskCounters counters() {
    return counters;
  }

  @Override
  public List<MeterListener> listeners() {
    return listeners;
  }

  /** A permit of this limiter: the GCRA grant it booked, 0 for none. */
  record Grant(DefaultSharedLimiter limiter, long number) implements Permit {}

  // ---- leases: starts without the lock while no limit is set ----

  /** What {@link #lease} answers when it lends nothing. */
  static final long NOT_LENT = -1;
  /**
   * What {@link #lease} answers when only a pause keeps it from lending: the pause ends without a
   * change of epoch, so the run must ask again rather than wait for one.
   */
  static final long NOT_LENT_WHILE_PAUSED = -2;

  /**
   * Lends a run {@code permits} permits at once, if this limiter has no limit at all (no
   * {@code maxAtOnce}, no rate, no pause in force): the run then starts tasks on them without the lock,
   * and without counting each start here, as long as {@link #leaseHolds} says the lease holds. A
   * permit lent counts as running, so the books stay right whatever the run does with it: an instant
   * task uses it and gives it back to the lease, a task that goes on running keeps it as its own
   * ({@link #leasedPermit}, released as any), and the run gives back what it did not keep with
   * {@link #endLease} at the end of each pass.
   *
   * <p>Lending ahead takes nothing from anyone while no limit exists. Once one is set (or a pause),
   * the epoch moves: the run sees it before its next start and gives its lease back, so a start after
   * the change is decided by the new limit; until the run gives the lease back (at once, unless it is
   * inside a task's {@code apply}), the lent permits count as running, which is more restrictive than
   * needed, never less.
   *
   * @return the epoch the lease holds for, {@link #NOT_LENT}, or {@link #NOT_LENT_WHILE_PAUSED}
   */
  long lease(int permits) {
    synchronized (lock) {
      if (retired || gcra != null || maxAtOnce != Limits.UNLIMITED) {
        return NOT_LENT;
      }
      if (paused && time.read() - pausedUntil < 0) {
        return NOT_LENT_WHILE_PAUSED;
      }
      running += permits;
      return leaseEpoch;
    }
  }

  /** The epoch now: it moves with every change of the limits or a pause. */
  long leaseEpoch() {
    return leaseEpoch;
  }

  /** Whether a lease taken at {@code epoch} still holds: no limit was changed and no pause set since. */
  boolean leaseHolds(long epoch) {
    return leaseEpoch == epoch;
  }

  /** The permit of a task started on a lease, released as any other. */
  Permit leasedPermit() {
    return unbooked;
  }

  /** A run gives back the {@code unused} permits of its lease. */
  void endLease(int unused) {
    if (unused == 0) {
      return;
    }
    synchronized (lock) {
      running -= unused;
    }
    waiters.signalAll();
  }

  // ---- changes ----

  @Override
  public Limits limits() {
    return published;
  }

  /**
   * Publishes the limits just changed, under the lock, for {@link #limits()} to read without it: Kotlin
   * runs look at a shared limiter's limits as each body begins (their start gates follow
   * {@code setLimits}), and a lock taken and a value made for every look cost four callers at
   * 100,000 starts a second a tenth of their CPU.
   */
  private void publishLimits() {
    published = new Limits(maxAtOnce, rate, maxBurst);
  }

  @Override
  public void setLimits(Limits limits) {
    Objects.requireNonNull(limits, "limits");  // a Limits value is checked whole when it is made
    synchronized (lock) {
      this.maxAtOnce = limits.maxAtOnce();
      Rate newRate = limits.rate();
      if (newRate != null) {
        reconfigure(newRate, limits.maxBurst());
      } else {
        gcra = null;
        rate = null;
        maxBurst = 1;
        wakeup.cancel();
      }
      leaseEpoch++;  // every lent block is void: the next start asks the new limits
      publishLimits();
    }
    waiters.signalAll();
  }

  @Override
  public void setMaxAtOnce(int maxAtOnce) {
    Checks.maxAtOnce(maxAtOnce);
    synchronized (lock) {
      this.maxAtOnce = maxAtOnce;
      leaseEpoch++;
      publishLimits();
    }
    waiters.signalAll();
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
        publishLimits();
      } else {
        reconfigure(current, maxBurst);
      }
    }
    waiters.signalAll();
  }

  private void reconfigure(Rate newRate, int newBurst) {
    long now = time.read();
    Gcra current = gcra;
    if (current == null) {
      gcra = new Gcra(newRate, newBurst, now);
    } else {
      current.reconfigure(newRate, newBurst, now);
    }
    rate = newRate;
    maxBurst = newBurst;
    leaseEpoch++;
    publishLimits();
    wakeup.cancel();  // the waiters are woken and ask again, which sets the timer the new rate needs
  }

  @Override
  public void pauseFor(Duration duration) {
    Durations.checkPause(duration);
    pause(Durations.saturatedNanos(duration));
    // Waiters need no signal: whoever asks next is refused and sets the timer for the pause's end.
  }

  /** Extends the pause to {@code nanos} from now; false if this limiter was retired (forgotten as idle). */
  @Override
  public boolean pause(long nanos) {
    return pause(nanos, false);
  }

  /**
   * {@link #pause(long)}; with {@code resumeWithoutBurst}, the rate resumes at the pause's end with no
   * burst (see {@link Gcra#emptyAt}): what an adaptive limiter does for a service's Retry-After, since
   * the burst that built up during the pause would all arrive at once, and be refused again.
   */
  boolean pause(long nanos, boolean resumeWithoutBurst) {
    synchronized (lock) {
      if (retired) {
        return false;
      }
      long now = time.read();
      long until = now + nanos;
      if (!paused || until - pausedUntil > 0) {
        paused = true;
        pausedUntil = until;
        leaseEpoch++;
      }
      if (resumeWithoutBurst && gcra != null) {
        gcra.emptyAt(pausedUntil);
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

  @Override
  public MeterStats stats() {
    return counters.snapshot();
  }

  // ---- for the keyed limiter ----

  /**
   * Forgets this limiter if it is idle: nothing running or waiting, no pause in force, its full burst
   * back. Such a limiter is indistinguishable from a new one, so dropping it loses nothing; once
   * retired it grants nothing, so no run can use it after it is dropped.
   */
  @Override
  public boolean retireIfIdle() {
    synchronized (lock) {
      long now = time.read();
      boolean idle = running == 0
          && waiters.isEmpty()
          && !(paused && now - pausedUntil < 0)
          && (gcra == null || gcra.isFull(now));
      if (idle) {
        retired = true;
        wakeup.cancel();
      }
      return idle;
    }
  }

  /** Tasks holding a permit now: for the adaptive limiter, and tests that check the bookkeeping. */
  @Override
  public int running() {
    synchronized (lock) {
      return running;
    }
  }

  /** Whether a wake-up is registered and neither fired nor withdrawn; for the same tests. */
  boolean hasWaiters() {
    return !waiters.isEmpty();
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "SharedLimiter{name=" + name + ", maxAtOnce=" + (maxAtOnce == Limits.UNLIMITED ? "unlimited" : maxAtOnce)
          + ", rate=" + rate + ", maxBurst=" + maxBurst + ", running=" + running + "}";
    }
  }
}
