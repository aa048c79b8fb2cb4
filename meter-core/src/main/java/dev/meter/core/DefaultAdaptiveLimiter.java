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
 * limits once, not once each. Down: at the first refusal of a generation, by the backoff ratio; then,
 * as the rest of that generation's outcomes come in, to the share of them the service took (at most
 * halving), which from far above the service is most of the way in one step. Up: each limit climbs
 * back along a cubic in the successes since the cut, as TCP CUBIC's window does: quickly at first,
 * slowly around the value it was refused at (reached after {@code recoverySuccesses} successes), then
 * faster again beyond it, to find a service that has grown. So the probes that cost a refusal (and a
 * Retry-After pause) are rare while the service stays where it was. The limits are kept unrounded here and handed to the shared limiter only
 * when they move enough to matter (a whole task at once, 1% of the rate): every change of a shared
 * limiter's limits wakes all its waiters.
 */
final class DefaultAdaptiveLimiter implements AdaptiveLimiter, ObservedLimiter {
  /** A rate that moved less than this fraction since it was last handed over is not handed over yet. */
  private static final double RATE_RESOLUTION = 0.01;

  private final AdaptiveConfig config;
  private final DefaultSharedLimiter inForce;
  /** The limiter's own clock, the shared limiter's: latencies are measured on it. */
  private final TimeSource time;

  /** A generation's outcomes needed before its share of refusals is trusted. */
  private static final int SHARE_SAMPLE = 10;
  /** The deepest cut a generation's share of refusals makes: to half its limits. */
  private static final double DEEPEST_SHARE_CUT = 0.5;

  // Guarded by this.
  /** The burst, unrounded; it adapts like the rate (a burst above the service's is refused at any rate). */
  private double burst;
  /** The highest burst: where it started, or what {@link #setMaxBurst} set. */
  private int burstCeiling;
  /** Each limit's value at the last cut (where the cubic climb levels off), and the share it was cut by. */
  private double ratePeak;
  private double atOncePeak;
  private double burstPeak;
  private double rateCut;
  private double atOnceCut;
  private double burstCut;
  /** Successes since the last cut: where the limits are on their climb back. */
  private long climbed;
  /** Outcomes of the current generation's permits so far. */
  private int currentSucceeded;
  private int currentRefused;
  /** The generation cut last, its outcomes so far, and whether its share has cut already. */
  private long cutGeneration = -1;
  private int cutSucceeded;
  private int cutRefused;
  /** The rate in starts per second, unrounded; 0 without a rate. */
  private double perSecond;
  /** The rate last handed to {@link #inForce}. */
  private double appliedPerSecond;
  /** maxAtOnce with the fraction successes have added since the last whole step; UNLIMITED without. */
  private double atOnce;
  /** The limits computed last: handed to {@link #inForce} outside the lock, see {@link #tell}. */
  private Limits latest;
  /** The fastest latency of a success so far: the service's own with nothing queued (latencyBased). */
  private long fastestNanos = Long.MAX_VALUE;
  /** The latencies of the successes since the last latency-based update: their sum and count. */
  private long windowNanos;
  private int windowSamples;
  /** Raised by each decrease: a permit of an older generation cannot cause another. */
  private volatile long generation;

  DefaultAdaptiveLimiter(AdaptiveConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.inForce = new DefaultSharedLimiter(config.start());
    this.time = Objects.requireNonNullElseGet(config.start().timeSource(), Defaults::timeSource);
    Limits start = config.start().limits();
    Rate rate = start.rate();
    this.perSecond = rate == null ? 0 : rate.perSecond();
    this.appliedPerSecond = perSecond;
    this.atOnce = start.maxAtOnce();
    this.burst = start.maxBurst();
    this.burstCeiling = start.maxBurst();
    this.latest = start;
    levelOff();
  }

  /**
   * The limits as they are now are where the climb levels off, as if reached after a cut of the usual
   * ratio: from the start, or limits set by hand, adaptation goes on with the convex part of the climb.
   * Guarded by this.
   */
  private void levelOff() {
    double cut = 1 - config.backoffRatio();
    ratePeak = perSecond;
    atOncePeak = atOnce;
    burstPeak = burst;
    rateCut = cut;
    atOnceCut = cut;
    burstCut = cut;
    climbed = config.recoverySuccesses();
  }

  /**
   * What a permit of this limiter holds: the shared limiter's permit, the generation it began in, and
   * when it began on this limiter's clock (latency-based limits only; 0 otherwise).
   */
  private record Granted(Permit permit, long generation, long startedNanos) implements Permit {}

  @Override
  public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    long current = generation;  // read before the grant: a decrease racing it makes this permit old, never new
    Decision decision = inForce.tryAcquire(item, nowNanos, waitingSinceNanos);
    // Only a latency-based limit reads the clock per start.
    long startedNanos = config.latencyBased() ? time.read() : 0;
    return decision instanceof Permit permit ? new Granted(permit, current, startedNanos) : decision;
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
    if (failure instanceof CancellationException) {
      return;  // a cancel says nothing of the service's load
    }
    Outcome<?> outcome = failure == null ? Outcome.success(value) : Outcome.failure(failure);
    // A predicate that throws fails the run through the engine's release fault: not swallowed.
    boolean refused = config.overload().test(outcome);
    if (refused && failure instanceof OverloadedException overloaded) {
      overloaded.retryAfter().ifPresent(inForce::pauseFor);
    }
    if (refused || failure == null) {
      tell(outcome(granted.generation(), refused, config.latencyBased() ? time.read() - granted.startedNanos() : 0, inFlight));
    }
  }

  /** Takes in one outcome for load (a refusal or a success) of a permit of {@code seenGeneration}. */
  private synchronized @Nullable Change outcome(long seenGeneration, boolean refused, long latencyNanos, int inFlight) {
    if (seenGeneration == generation) {
      if (refused) {
        currentRefused++;
        return cut(seenGeneration);
      }
      currentSucceeded++;
    } else if (seenGeneration == cutGeneration) {
      if (refused) {
        cutRefused++;
      } else {
        cutSucceeded++;
      }
      Change deeper = cutToShare();
      if (deeper != null || refused) {
        return deeper;
      }
    } else if (refused) {
      return null;  // started before the last decrease: its refusal is about the old limits
    }
    return climb(latencyNanos, inFlight);
  }

  /**
   * The first refusal of the current generation: each limit is multiplied by the backoff ratio, and
   * the generation's outcomes go on counting for {@link #cutToShare}. Guarded by this.
   */
  private Change cut(long seenGeneration) {
    generation = seenGeneration + 1;
    cutGeneration = seenGeneration;
    cutSucceeded = currentSucceeded;
    cutRefused = currentRefused;
    currentSucceeded = 0;
    currentRefused = 0;
    double ratio = config.backoffRatio();
    // Refused before the climb got back to the last peak: the service's limit is below that peak, so
    // the climb levels off below where it was refused this time (CUBIC's "fast convergence"). Far
    // above the service, each refusal then takes the limits down by the ratio, not a fraction of it.
    double peakShare = climbed < config.recoverySuccesses() ? (1 + ratio) / 2 : 1;
    ratePeak = perSecond * peakShare;
    atOncePeak = atOnce == Limits.UNLIMITED ? atOnce : atOnce * peakShare;
    burstPeak = burst * peakShare;
    Limits before = latest;
    if (perSecond > 0) {
      perSecond = Math.max(config.minRate().perSecond(), perSecond * ratio);
    }
    if (atOnce != Limits.UNLIMITED) {
      atOnce = Math.max(config.minAtOnce(), Math.floor(atOnce * ratio));
    }
    burst = Math.max(1, Math.floor(burst * ratio));
    return startClimb(before);
  }

  /**
   * The generation cut last has more outcomes in: if the service took a smaller share of them than
   * the backoff ratio, each limit comes down to that share of where it was (at most halved), once the
   * share rests on enough outcomes. From twice the service's rate, that is most of the way down in one
   * step, where ratio after ratio would take a refusal (and its Retry-After pause) each. Guarded by this.
   */
  private @Nullable Change cutToShare() {
    int outcomes = cutSucceeded + cutRefused;
    if (outcomes < SHARE_SAMPLE) {
      return null;
    }
    double share = Math.max(DEEPEST_SHARE_CUT, cutSucceeded / (double) outcomes);
    Limits before = latest;
    boolean lower = false;
    if (perSecond > 0 && ratePeak * share < perSecond) {
      perSecond = Math.max(config.minRate().perSecond(), ratePeak * share);
      lower = true;
    }
    if (atOnce != Limits.UNLIMITED && Math.floor(atOncePeak * share) < atOnce) {
      atOnce = Math.max(config.minAtOnce(), Math.floor(atOncePeak * share));
      lower = true;
    }
    if (Math.floor(burstPeak * share) < burst) {
      burst = Math.max(1, Math.floor(burstPeak * share));
      lower = true;
    }
    return lower ? startClimb(before) : null;
  }

  /** The limits were cut from their peaks: the climb back starts over. Guarded by this. */
  private Change startClimb(Limits before) {
    rateCut = ratePeak > 0 ? 1 - perSecond / ratePeak : 0;
    atOnceCut = atOncePeak > 0 && atOncePeak != Limits.UNLIMITED ? 1 - atOnce / atOncePeak : 0;
    burstCut = 1 - burst / burstPeak;
    climbed = 0;
    return apply(before, Cause.OVERLOAD, true);
  }

  /**
   * One success's step up the climb: each limit is {@code peak * (1 - cut * (1 - n / N)^3)} after
   * {@code n} successes since the cut, {@code N} being {@link AdaptiveConfig#recoverySuccesses()}:
   * back near the peak it was refused at within about half of {@code N}, level there, and past it ever
   * faster after {@code N}, up to the ceiling. (A constant step climbed past a steady service's limit
   * every few dozen successes, each time at the cost of a refusal and its pause.) With
   * {@link AdaptiveConfig#latencyBased()}, {@code maxAtOnce} follows {@link #vegas} instead. Guarded by this.
   */
  private @Nullable Change climb(long latencyNanos, int inFlight) {
    Limits before = latest;
    double along = 1 - (double) ++climbed / config.recoverySuccesses();
    double curve = along * along * along;
    if (perSecond > 0) {
      perSecond = Math.min(config.maxRate().perSecond(), Math.max(perSecond, ratePeak * (1 - rateCut * curve)));
    }
    if (atOnce != Limits.UNLIMITED) {
      double next = config.latencyBased() ? vegas(latencyNanos, inFlight) : Math.max(atOnce, atOncePeak * (1 - atOnceCut * curve));
      atOnce = Math.max(config.minAtOnce(), Math.min(config.maxAtOnce(), next));
    }
    burst = Math.min(burstCeiling, Math.max(burst, burstPeak * (1 - burstCut * curve)));
    return apply(before, Cause.SUCCESSES, false);
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
    double limit = Math.floor(atOnce);
    if (inFlight * 2 < limit) {
      return atOnce;
    }
    windowNanos += latency;
    if (++windowSamples < limit) {
      return atOnce;
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
    return atOnce;
  }

  /**
   * The change to hand to the shared limiter if the limits moved enough (or {@code always}), or null.
   * Guarded by this; {@link #tell} hands it over.
   */
  private @Nullable Change apply(Limits before, Cause cause, boolean always) {
    int wholeAtOnce = atOnce == Limits.UNLIMITED ? Limits.UNLIMITED : (int) Math.floor(atOnce);
    int wholeBurst = (int) Math.floor(burst);
    boolean rateMoved = perSecond > 0 && (Math.abs(perSecond - appliedPerSecond) >= appliedPerSecond * RATE_RESOLUTION
        || perSecond == config.maxRate().perSecond() || perSecond == config.minRate().perSecond());
    if (!always && !rateMoved && wholeAtOnce == before.maxAtOnce() && wholeBurst == before.maxBurst()) {
      return null;
    }
    Limits after = new Limits(wholeAtOnce, perSecond > 0 ? Rate.perSecond(perSecond) : null, wholeBurst);
    if (after.equals(before)) {
      return null;
    }
    appliedPerSecond = perSecond;
    latest = after;
    return new Change(before, after, cause);
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
    config.onChange().accept(change);
  }

  @Override
  public AdaptiveConfig config() {
    return config;
  }

  @Override
  public Limits limits() {
    return inForce.limits();
  }

  /** Sets the limits in force, each clamped to its floor and ceiling; adaptation goes on from them. */
  @Override
  public void setLimits(Limits limits) {
    Objects.requireNonNull(limits, "limits");
    Change change;
    synchronized (this) {
      Limits before = latest;
      if (perSecond > 0 && limits.rate() != null) {
        perSecond = Math.min(config.maxRate().perSecond(), Math.max(config.minRate().perSecond(), limits.rate().perSecond()));
      }
      if (atOnce != Limits.UNLIMITED && limits.maxAtOnce() != Limits.UNLIMITED) {
        atOnce = Math.min(config.maxAtOnce(), Math.max(config.minAtOnce(), limits.maxAtOnce()));
      }
      levelOff();
      change = apply(before, Cause.SET, true);
    }
    tell(change);
  }

  @Override
  public void setMaxAtOnce(int maxAtOnce) {
    setLimits(limits().withMaxAtOnce(maxAtOnce));
  }

  @Override
  public void setRate(Rate rate) {
    Objects.requireNonNull(rate, "rate");
    Limits now = limits();
    setLimits(new Limits(now.maxAtOnce(), rate, now.maxBurst()));
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
      this.burst = maxBurst;
      this.burstCeiling = maxBurst;
      levelOff();
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

  /** Permits out now; for tests that check the books. */
  int runningForTests() {
    return inForce.running();
  }

  @Override
  public String toString() {
    return "AdaptiveLimiter{" + limits() + " within " + config + "}";
  }
}
