package dev.meter.core;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.AdaptiveLimiter;
import dev.meter.api.Limits;
import dev.meter.api.OverloadedException;
import dev.meter.api.Outcome;
import dev.meter.api.Rate;
import dev.meter.api.TimeSource;
import dev.meter.api.event.MeterListener;
import dev.meter.api.event.MeterStats;
import dev.meter.api.internal.TaskCounters;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.jspecify.annotations.Nullable;

/**
 * An {@link AdaptiveLimiter}: a {@link DefaultSharedLimiter} holds the limits in force (so the
 * envelope, the waiting and the pauses are the shared limiter's own), and this class moves them as
 * the outcomes of the tasks it let through come back.
 *
 * <p>Each permit remembers the generation of the limits it was granted under; a decrease raises the
 * generation, so the refusals of tasks that started before it (one burst of 429s, say) lower the
 * limits once, not once each. The rate with its burst, and maxAtOnce, each have a loop of their own
 * ({@link AdaptiveLoop}): a refusal that names the limit it exceeded ({@link
 * OverloadedException#exceeded()}) lowers that one alone. Down: at the first refusal of a generation,
 * by the backoff ratio; then, as the rest of that generation's outcomes come in, to the share of them
 * the service took (at most halving), which from far above the service is most of the way in one
 * step. Up: each limit climbs back along a cubic in the successes since the cut, as TCP CUBIC's window
 * does: quickly at first, slowly around the value it was refused at (reached after {@code
 * recoverySuccesses} successes), then faster again beyond it, to find a service that has grown. So the
 * probes that cost a refusal (and a Retry-After pause) are rare while the service stays where it was. The limits are kept unrounded here and handed to the shared limiter only
 * when they move enough to matter (a whole task at once, 1% of the rate): every change of a shared
 * limiter's limits wakes all its waiters.
 */
final class DefaultAdaptiveLimiter implements AdaptiveLimiter, ObservedLimiter, KeyLimit {
  /** A rate that moved less than this fraction since it was last handed over is not handed over yet. */
  private static final double RATE_RESOLUTION = 0.01;

  private final AdaptiveConfig config;
  private final DefaultSharedLimiter inForce;
  /** The limiter's own clock, the shared limiter's: latencies are measured on it. */
  private final TimeSource time;
  /** The key this limiter is for, in a keyed adaptive limiter; null otherwise. */
  private final @Nullable Object key;
  /** When a permit was last granted or given back, by {@link #time}: a keyed limiter forgets a key idle long. */
  private volatile long lastUsed;

  // Guarded by this.
  /** The rate in starts per second (null without a rate), and the burst, which moves with it. */
  private final @Nullable Dial rate;
  private final Dial burst;
  /** maxAtOnce; null without one. */
  private final @Nullable Dial atOnce;
  /** What a refusal of the rate lowers (the rate and burst), and of the tasks at once; null if absent. */
  private final @Nullable AdaptiveLoop rateLoop;
  private final @Nullable AdaptiveLoop atOnceLoop;
  /** The rate last handed to {@link #inForce}. */
  private double appliedPerSecond;
  /** The limits computed last: handed to {@link #inForce} outside the lock, see {@link #tell}. */
  private Limits latest;
  /** The fastest latency of a success so far: the service's own with nothing queued (latencyBased). */
  private long fastestNanos = Long.MAX_VALUE;
  /** The latencies of the successes since the last latency-based update: their sum and count. */
  private long windowNanos;
  private int windowSamples;

  DefaultAdaptiveLimiter(AdaptiveConfig config) {
    this(config, new TaskCounters(), null);
  }

  /** One key's limiter in a keyed adaptive limiter, counting into the keyed limiter's counters. */
  DefaultAdaptiveLimiter(AdaptiveConfig config, TaskCounters counters, @Nullable Object key) {
    this.config = Objects.requireNonNull(config, "config");
    this.inForce = new DefaultSharedLimiter(config.start(), counters,
        key == null ? config.start().name() : config.start().name() + ":" + key);
    this.key = key;
    this.time = Objects.requireNonNullElseGet(config.start().timeSource(), Defaults::timeSource);
    this.lastUsed = time.read();
    Limits start = config.start().limits();
    double ratio = config.backoffRatio();
    int recovery = config.recoverySuccesses();
    Rate startRate = start.rate();
    this.burst = new Dial(start.maxBurst(), 1, start.maxBurst(), true);
    if (startRate == null) {
      this.rate = null;
      this.rateLoop = null;
      this.appliedPerSecond = 0;
    } else {
      this.rate = new Dial(startRate.perSecond(), config.minRate().perSecond(), config.maxRate().perSecond(), false);
      this.rateLoop = new AdaptiveLoop(ratio, recovery, rate, burst);
      this.appliedPerSecond = startRate.perSecond();
    }
    if (start.maxAtOnce() == Limits.UNLIMITED) {
      this.atOnce = null;
      this.atOnceLoop = null;
    } else {
      this.atOnce = new Dial(start.maxAtOnce(), config.minAtOnce(), config.maxAtOnce(), true);
      this.atOnceLoop = new AdaptiveLoop(ratio, recovery, atOnce);
    }
    this.latest = start;
  }

  /**
   * What a permit of this limiter holds: the shared limiter's permit, the generations of the rate's
   * and of maxAtOnce's loops when it began, and when it began on this limiter's clock (latency-based
   * limits only; 0 otherwise).
   */
  private record Granted(Permit permit, long rateGeneration, long atOnceGeneration, long startedNanos, int bound)
      implements Permit {}

  @Override
  public @Nullable Decision tryAcquireUnlessRetired(long waitedNanos) {
    // Read before the grant: a decrease racing it makes this permit old, never new.
    long rateGeneration = rateLoop == null ? 0 : rateLoop.generation();
    long atOnceGeneration = atOnceLoop == null ? 0 : atOnceLoop.generation();
    int[] bound = new int[1];
    Decision decision = inForce.tryAcquireUnlessRetired(waitedNanos, bound);
    if (!(decision instanceof Permit permit)) {
      return decision;
    }
    // Only a latency-based limit, or a key's, reads the clock per start.
    long startedNanos = config.latencyBased() || key != null ? time.read() : 0;
    if (key != null) {
      lastUsed = startedNanos;
    }
    return new Granted(permit, rateGeneration, atOnceGeneration, startedNanos, bound[0]);
  }

  @Override
  public boolean pause(long nanos) {
    return inForce.pause(nanos);
  }

  /**
   * Retires this key's limiter when idle and either back at its starting limits (a new one would be
   * the same) or idle for {@link AdaptiveConfig#forgetAfter()}: what it learned is stale by then, and
   * limits climb only with successes, so it would never get back by itself.
   */
  @Override
  public boolean retireIfIdle() {
    boolean adapted;
    synchronized (this) {
      adapted = !latest.equals(config.start().limits());
    }
    if (adapted && time.read() - lastUsed < Durations.saturatedNanos(config.forgetAfter())) {
      return false;
    }
    return inForce.retireIfIdle();
  }

  @Override
  public int running() {
    return inForce.running();
  }

  @Override
  public void refund(Permit permit, long nowNanos) {
    inForce.refund(((Granted) permit).permit(), nowNanos);
  }

  @Override
  public void release(Permit permit, long nowNanos) {
    inForce.release(((Granted) permit).permit(), nowNanos);
  }

  @Override
  public void release(Permit permit, long nowNanos, @Nullable Object value, @Nullable Throwable failure) {
    Granted granted = (Granted) permit;
    // The permits out before this one comes back, for the latency rule alone (it costs a lock).
    int inFlight = config.latencyBased() ? inForce.running() : 0;
    inForce.release(granted.permit(), nowNanos);
    if (key != null) {
      lastUsed = time.read();
    }
    if (failure instanceof CancellationException) {
      return;  // a cancel says nothing of the service's load
    }
    Outcome<?> outcome = failure == null ? Outcome.success(value) : Outcome.failure(failure);
    // A predicate that throws fails the run through the engine's release fault: not swallowed.
    boolean refused = config.overload().test(outcome);
    OverloadedException.Exceeded exceeded = OverloadedException.Exceeded.ANY;
    if (refused && failure instanceof OverloadedException overloaded) {
      // The burst would build up during the pause and all come at once after it: resume at the rate.
      overloaded.retryAfter().ifPresent(wait -> inForce.pause(Durations.saturatedNanos(wait), true));
      exceeded = overloaded.exceeded();
    }
    if (refused) {
      tell(refused(granted, exceeded));
    } else if (failure == null) {
      tell(succeeded(granted, config.latencyBased() ? time.read() - granted.startedNanos() : 0, inFlight));
    }
  }

  /**
   * A refusal lowers the limits it names (a 429 the rate and burst, a 503 maxAtOnce; both when it
   * does not say), once per generation of each, then to the share the service took; see
   * {@link AdaptiveLoop}.
   */
  private synchronized @Nullable Change refused(Granted granted, OverloadedException.Exceeded exceeded) {
    Limits before = latest;
    boolean lowered = false;
    if (rateLoop != null && exceeded != OverloadedException.Exceeded.AT_ONCE) {
      lowered |= rateLoop.refused(granted.rateGeneration());
    }
    if (atOnceLoop != null && exceeded != OverloadedException.Exceeded.RATE) {
      lowered |= atOnceLoop.refused(granted.atOnceGeneration());
    }
    return lowered ? apply(before, Cause.OVERLOAD, true) : null;
  }

  /**
   * A success moves each limit a step along its climb back (see {@link AdaptiveLoop}); with
   * {@link AdaptiveConfig#latencyBased()}, {@code maxAtOnce} follows {@link #vegas} instead. A limit
   * climbs only on the success of a task whose start it held back: one the limit did not hold back
   * says the work went at the caller's own pace, and climbing on it would take the limit, untested,
   * far above the service (TCP's rule for an application-limited sender).
   */
  private synchronized @Nullable Change succeeded(Granted granted, long latencyNanos, int inFlight) {
    Limits before = latest;
    boolean lowered = false;
    if (rateLoop != null) {
      lowered |= rateLoop.succeeded(granted.rateGeneration(), (granted.bound() & DefaultSharedLimiter.RATE_BOUND) != 0);
    }
    if (atOnceLoop != null) {
      boolean latency = config.latencyBased();
      lowered |= atOnceLoop.succeeded(granted.atOnceGeneration(), !latency && (granted.bound() & DefaultSharedLimiter.AT_ONCE_BOUND) != 0);
      if (latency) {
        atOnce.moveTo(vegas(latencyNanos, inFlight));
      }
    }
    return lowered ? apply(before, Cause.OVERLOAD, true) : apply(before, Cause.SUCCESSES, false);
  }

  /**
   * TCP Vegas's rule, as Netflix's concurrency-limits applies it to a limit of tasks at once, once per
   * round of as many successes as the limit: with the fastest latency seen as the service's own, a
   * round whose mean latency is longer had about {@code limit * (1 - fastest / mean)} tasks waiting in
   * the service. Few waiting (up to log10 of the limit): there is room, raise it by 6 log; some (under
   * 3 log): by one log; many (over 6 log): lower it by one log, or by half the queue beyond 6 log when
   * that is more. Once a round, not per success: a
   * latency reflects the limit of one round earlier, and per-success steps overshot (from 12 to the
   * ceiling of 100 and back, in a test against a service of 10 workers). A success that ended while
   * under half the limit was running says nothing: the limit was not what held it back. Guarded by
   * this.
   */
  private double vegas(long latencyNanos, int inFlight) {
    long latency = Math.max(1, latencyNanos);
    fastestNanos = Math.min(fastestNanos, latency);
    double current = atOnce.value();
    double limit = Math.floor(current);
    if (inFlight * 2 < limit) {
      return current;
    }
    windowNanos += latency;
    if (++windowSamples < limit) {
      return current;
    }
    double mean = windowNanos / (double) windowSamples;
    windowNanos = 0;
    windowSamples = 0;
    double queued = limit * (1 - fastestNanos / mean);
    double log = Math.max(1, Math.log10(limit));
    if (queued <= log) {
      return limit + 6 * log;
    } else if (queued < 3 * log) {
      return limit + log;
    } else if (queued > 6 * log) {
      // Vegas lowers by one log a round, which from a ceiling far above the service takes a round per
      // step (25 s from 100 at once to a service of 10 workers); half the queue beyond 6 log a round
      // gets there in a few, and is one log again close by.
      return limit - Math.max(log, (queued - 6 * log) / 2);
    }
    return current;
  }

  /**
   * The change to hand to the shared limiter if the limits moved enough (or {@code always}), or null.
   * Guarded by this; {@link #tell} hands it over.
   */
  private @Nullable Change apply(Limits before, Cause cause, boolean always) {
    int wholeAtOnce = atOnce == null ? Limits.UNLIMITED : (int) Math.floor(atOnce.value());
    int wholeBurst = (int) Math.floor(burst.value());
    double perSecond = rate == null ? 0 : rate.value();
    boolean rateMoved = rate != null && (Math.abs(perSecond - appliedPerSecond) >= appliedPerSecond * RATE_RESOLUTION
        || perSecond == config.maxRate().perSecond() || perSecond == config.minRate().perSecond());
    if (!always && !rateMoved && wholeAtOnce == before.maxAtOnce() && wholeBurst == before.maxBurst()) {
      return null;
    }
    Limits after = new Limits(wholeAtOnce, rate != null ? Rate.perSecond(perSecond) : null, wholeBurst);
    if (after.equals(before)) {
      return null;
    }
    appliedPerSecond = perSecond;
    latest = after;
    return new Change(before, after, cause, key);
  }

  /**
   * Hands {@code change} to the shared limiter and to the listener, outside this limiter's lock: a
   * change of the shared limiter's limits wakes its waiters, whose runs may drain on this thread, and
   * other threads' releases must not wait for that. Should another change have been made meanwhile,
   * the latest is handed over last.
   */
  private void tell(@Nullable Change change) {
    if (change == null) {
      return;
    }
    Limits handing = change.after();
    while (true) {
      inForce.setLimits(handing);
      synchronized (this) {
        if (latest.equals(handing)) {
          break;
        }
        handing = latest;
      }
    }
    try {
      config.onChange().accept(change);
    } catch (RuntimeException | Error thrown) {
      // the change is made; a broken observer of it must not fail the task that caused it
      Faults.ignored("onChange of adaptive limiter " + name() + " threw on " + change, thrown);
    }
  }

  @Override
  public AdaptiveConfig config() {
    return config;
  }

  @Override
  public String name() {
    return inForce.name();
  }

  @Override
  public Limits limits() {
    return inForce.limits();
  }

  /**
   * Sets the limits in force, each clamped to its floor and ceiling (the burst to at most its
   * ceiling); adaptation goes on from them.
   */
  @Override
  public void setLimits(Limits limits) {
    Objects.requireNonNull(limits, "limits");
    set(limits.rate(), limits.maxAtOnce(), limits.maxBurst());
  }

  /**
   * Sets maxAtOnce alone (clamped), under this limiter's lock: not a read of the limits and a write
   * of all three, which would undo a decrease made in between (found by AdaptiveLimiterLincheckTest).
   */
  @Override
  public void setMaxAtOnce(int maxAtOnce) {
    Limits.none().withMaxAtOnce(maxAtOnce);  // checks it, naming maxAtOnce
    set(null, maxAtOnce, 0);
  }

  /** Sets the rate alone (clamped), as {@link #setMaxAtOnce} does maxAtOnce. */
  @Override
  public void setRate(Rate rate) {
    Objects.requireNonNull(rate, "rate");
    set(rate, Limits.UNLIMITED, 0);
  }

  /** Sets what is given (a null rate, an unlimited maxAtOnce or a burst of 0: left as it is). */
  private void set(@Nullable Rate newRate, int newAtOnce, int newBurst) {
    Change change;
    synchronized (this) {
      Limits before = latest;
      double ratio = config.backoffRatio();
      if (rate != null && rateLoop != null && newRate != null) {
        rate.set(newRate.perSecond(), ratio);
      }
      if (rateLoop != null && newBurst > 0) {
        burst.set(newBurst, ratio);
      }
      if (rateLoop != null && (newRate != null || newBurst > 0)) {
        rateLoop.levelOff();
      }
      if (atOnce != null && atOnceLoop != null && newAtOnce != Limits.UNLIMITED) {
        atOnce.set(newAtOnce, ratio);
        atOnceLoop.levelOff();
      }
      change = apply(before, Cause.SET, true);
    }
    tell(change);
  }

  /**
   * @throws IllegalArgumentException if {@code maxBurst} is below 1, or above 1 without a rate, or too
   *     large for the slowest rate the limiter may come down to
   */
  @Override
  public void setMaxBurst(int maxBurst) {
    Change change;
    synchronized (this) {
      Rate slowest = config.minRate();
      new Limits(Limits.UNLIMITED, slowest, maxBurst);  // checks it, naming maxBurst
      Limits before = latest;
      burst.setCeiling(maxBurst);
      burst.set(maxBurst, config.backoffRatio());
      if (rateLoop != null) {
        rateLoop.levelOff();
      }
      change = apply(before, Cause.SET, true);
    }
    tell(change);
  }

  @Override
  public void pauseFor(Duration duration) {
    inForce.pauseFor(duration);
  }

  @Override
  public void pauseUntil(Instant until) {
    inForce.pauseUntil(until);
  }

  @Override
  public MeterStats stats() {
    return inForce.stats();
  }

  @Override
  public TaskCounters counters() {
    return inForce.counters();
  }

  @Override
  public List<MeterListener> listeners() {
    return inForce.listeners();
  }

  @Override
  public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
    return inForce.awaitSignal(item, wakeUp);
  }

  @Override
  public String toString() {
    return "AdaptiveLimiter{name=" + name() + ", " + limits() + " within " + config + "}";
  }
}
