package dev.meter.api;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The immutable configuration of an {@link AdaptiveLimiter}: where its limits start (a
 * {@link LimiterConfig}, with its clock and listeners), the floor and ceiling of each, how far an
 * overload lowers them and how fast successes raise them, and what counts as an overload. Turn it into
 * a limiter with {@code dev.meter.core.Meter.adaptiveLimiter(config)}.
 *
 * <pre>{@code
 * AdaptiveLimiter api = Meter.adaptiveLimiter(AdaptiveConfig.builder(LimiterConfig.builder()
 *         .maxAtOnce(10).maxPerSecond(40).maxBurst(5).build())   // where it starts, and its ceilings
 *     .minPerSecond(1)                                           // never slower than this
 *     .build());
 * }</pre>
 *
 * <p>A limit the starting configuration has is adapted; one it lacks (no rate, or no
 * {@code maxAtOnce}) stays absent. By default each ceiling is the starting value (the limiter only
 * comes down from where it was set, and back up to it), the rate's floor is a hundredth of its start
 * and {@code maxAtOnce}'s floor is 1.
 */
public final class AdaptiveConfig {
  /** By default an overload is a task failing with an {@link OverloadedException} or timing out. */
  public static final Predicate<Outcome<?>> DEFAULT_OVERLOAD = outcome -> {
    Throwable failure = outcome.failureOrNull();
    return failure instanceof OverloadedException || failure instanceof TaskTimeoutException;
  };

  private final LimiterConfig start;
  private final @Nullable Rate minRate;
  private final @Nullable Rate maxRate;
  private final int minAtOnce;
  private final int maxAtOnce;
  private final double backoffRatio;
  private final int recoverySuccesses;
  private final boolean latencyBased;
  private final Predicate<Outcome<?>> overload;
  private final Consumer<AdaptiveLimiter.Change> onChange;
  private final Duration forgetAfter;

  private AdaptiveConfig(Builder builder) {
    Limits limits = builder.start.limits();
    Rate rate = limits.rate();
    this.start = builder.start;
    if (rate == null) {
      if (builder.minPerSecond != null || builder.maxPerSecond != null) {
        throw new IllegalArgumentException("minPerSecond and maxPerSecond need a starting rate, but the limiter has none");
      }
      this.minRate = null;
      this.maxRate = null;
    } else {
      double startPerSecond = rate.perSecond();
      double ceiling = builder.maxPerSecond == null ? startPerSecond : builder.maxPerSecond;
      double floor = builder.minPerSecond == null ? Math.min(startPerSecond, ceiling) / 100 : builder.minPerSecond;
      if (!(floor <= startPerSecond && startPerSecond <= ceiling)) {
        throw new IllegalArgumentException("the starting rate must be within minPerSecond and maxPerSecond, but was "
            + startPerSecond + " per second, outside [" + floor + ", " + ceiling + "]");
      }
      Limits.of(Rate.perSecond(floor), limits.maxBurst());  // the burst must fit the slowest rate too
      this.minRate = Rate.perSecond(floor);
      this.maxRate = Rate.perSecond(ceiling);
    }
    if (limits.maxAtOnce() == Limits.UNLIMITED) {
      if (builder.minAtOnce != null || builder.maxAtOnce != null) {
        throw new IllegalArgumentException("minAtOnce and maxAtOnce need a starting maxAtOnce, but the limiter has none");
      }
      if (builder.latencyBased) {
        throw new IllegalArgumentException("latencyBased needs a starting maxAtOnce, but the limiter has none");
      }
      this.minAtOnce = Limits.UNLIMITED;
      this.maxAtOnce = Limits.UNLIMITED;
    } else {
      int startAtOnce = limits.maxAtOnce();
      this.maxAtOnce = builder.maxAtOnce == null ? startAtOnce : builder.maxAtOnce;
      this.minAtOnce = builder.minAtOnce == null ? 1 : builder.minAtOnce;
      if (!(minAtOnce <= startAtOnce && startAtOnce <= maxAtOnce)) {
        throw new IllegalArgumentException("the starting maxAtOnce must be within minAtOnce and maxAtOnce, but was "
            + startAtOnce + ", outside [" + minAtOnce + ", " + maxAtOnce + "]");
      }
    }
    this.backoffRatio = builder.backoffRatio;
    this.recoverySuccesses = builder.recoverySuccesses;
    this.latencyBased = builder.latencyBased;
    this.overload = builder.overload;
    this.onChange = builder.onChange;
    this.forgetAfter = builder.forgetAfter;
  }

  /** A builder whose limits start as {@code start} has them. */
  public static Builder builder(LimiterConfig start) {
    return new Builder(Objects.requireNonNull(start, "start"));
  }

  /** Where the limits start, with the limiter's clock and listeners. */
  public LimiterConfig start() {
    return start;
  }

  /** The slowest rate an overload may bring it to; null when the limiter has no rate. */
  public @Nullable Rate minRate() {
    return minRate;
  }

  /** The fastest rate successes may bring it to; null when the limiter has no rate. */
  public @Nullable Rate maxRate() {
    return maxRate;
  }

  /** The lowest {@code maxAtOnce}; {@link Limits#UNLIMITED} when the limiter has no such limit. */
  public int minAtOnce() {
    return minAtOnce;
  }

  /** The highest {@code maxAtOnce}; {@link Limits#UNLIMITED} when the limiter has no such limit. */
  public int maxAtOnce() {
    return maxAtOnce;
  }

  /** What an overload multiplies each limit by: in (0, 1). */
  public double backoffRatio() {
    return backoffRatio;
  }

  /**
   * How many successes after a decrease bring the limits back to where they were refused: they climb
   * along a cubic, {@code peak * (1 - cut * (1 - n / recoverySuccesses)^3)} after {@code n} successes,
   * quickly at first, level around the peak, faster again beyond it.
   */
  public int recoverySuccesses() {
    return recoverySuccesses;
  }

  /**
   * Whether {@code maxAtOnce} follows the tasks' latency (Vegas style) rather than climbing a step per
   * success; see {@link Builder#latencyBased()}.
   */
  public boolean latencyBased() {
    return latencyBased;
  }

  /** Which outcomes are the service refusing for load. */
  public Predicate<Outcome<?>> overload() {
    return overload;
  }

  /** Told of every change of the limits in force, on the thread that made it. */
  public Consumer<AdaptiveLimiter.Change> onChange() {
    return onChange;
  }

  /**
   * For a keyed adaptive limiter: how long an idle key whose limits were adapted is remembered
   * (a key whose limits are back where they started is forgotten as soon as it is idle).
   */
  public Duration forgetAfter() {
    return forgetAfter;
  }

  @Override
  public String toString() {
    return "AdaptiveConfig{start=" + start.limits() + ", rate=[" + minRate + ", " + maxRate + "], maxAtOnce=["
        + minAtOnce + ", " + maxAtOnce + "], backoffRatio=" + backoffRatio + ", recoverySuccesses=" + recoverySuccesses + "}";
  }

  /** Builds an {@link AdaptiveConfig}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final LimiterConfig start;
    private @Nullable Double minPerSecond;
    private @Nullable Double maxPerSecond;
    private @Nullable Integer minAtOnce;
    private @Nullable Integer maxAtOnce;
    private double backoffRatio = 0.9;
    private int recoverySuccesses = 200;
    private boolean latencyBased;
    private Predicate<Outcome<?>> overload = DEFAULT_OVERLOAD;
    private Consumer<AdaptiveLimiter.Change> onChange = change -> {};
    private Duration forgetAfter = Duration.ofMinutes(10);

    private Builder(LimiterConfig start) {
      this.start = start;
    }

    /**
     * The slowest rate, in starts per second (default: a hundredth of the starting rate).
     *
     * @throws IllegalArgumentException if it is not a finite number &gt; 0
     */
    public Builder minPerSecond(double minPerSecond) {
      this.minPerSecond = positive("minPerSecond", minPerSecond);
      return this;
    }

    /**
     * The fastest rate, in starts per second (default: the starting rate).
     *
     * @throws IllegalArgumentException if it is not a finite number &gt; 0
     */
    public Builder maxPerSecond(double maxPerSecond) {
      this.maxPerSecond = positive("maxPerSecond", maxPerSecond);
      return this;
    }

    /**
     * The lowest {@code maxAtOnce} (default 1).
     *
     * @throws IllegalArgumentException if it is below 1
     */
    public Builder minAtOnce(int minAtOnce) {
      if (minAtOnce < 1) {
        throw new IllegalArgumentException("minAtOnce must be >= 1, but was " + minAtOnce);
      }
      this.minAtOnce = minAtOnce;
      return this;
    }

    /**
     * The highest {@code maxAtOnce} (default: the starting one).
     *
     * @throws IllegalArgumentException if it is below 1
     */
    public Builder maxAtOnce(int maxAtOnce) {
      if (maxAtOnce < 1) {
        throw new IllegalArgumentException("maxAtOnce must be >= 1, but was " + maxAtOnce);
      }
      this.maxAtOnce = maxAtOnce;
      return this;
    }

    /**
     * What an overload multiplies each limit by (default 0.9: the limits then swing between 90% and
     * 100% of what the service takes; 0.5 backs off faster and wastes more).
     *
     * @throws IllegalArgumentException if it is not strictly between 0 and 1
     */
    public Builder backoffRatio(double backoffRatio) {
      if (!(backoffRatio > 0 && backoffRatio < 1)) {
        throw new IllegalArgumentException("backoffRatio must be > 0 and < 1, but was " + backoffRatio);
      }
      this.backoffRatio = backoffRatio;
      return this;
    }

    /**
     * How many successes after a decrease bring the limits back to where they were refused (default
     * 200). The limits climb back along a cubic, as TCP CUBIC's window does: most of the way within
     * the first third, level around the value refused, then ever faster past it (to find a service
     * that has grown), up to the ceilings. Each climb past the service's limit costs a refusal (and
     * the pause of its Retry-After): the longer the level stretch, the rarer they are. Against a
     * service of 25 requests a second that asks for a second's pause on each refusal, the default
     * served it at 22.7 a second (200) where 50 served it at 17.9.
     *
     * @throws IllegalArgumentException if it is below 1
     */
    public Builder recoverySuccesses(int recoverySuccesses) {
      if (recoverySuccesses < 1) {
        throw new IllegalArgumentException("recoverySuccesses must be >= 1, but was " + recoverySuccesses);
      }
      this.recoverySuccesses = recoverySuccesses;
      return this;
    }

    /**
     * {@code maxAtOnce} follows the latency of the tasks that succeed, as TCP Vegas and Netflix's
     * concurrency-limits do: the fastest latency seen is the service's with no queue, and from each
     * task's latency against it the limiter estimates how many tasks wait in the service's queue. Below
     * a few it raises the limit, above a few more it lowers it. So a service that slows down as it
     * queues (rather than refusing) is kept near its real concurrency instead of being filled up to
     * the ceiling. Refusals still lower it by the backoff ratio. Needs a starting {@code maxAtOnce};
     * the rate, if any, adapts as without this.
     */
    public Builder latencyBased() {
      this.latencyBased = true;
      return this;
    }

    /**
     * Which outcomes count as the service refusing for load (default {@link #DEFAULT_OVERLOAD}: an
     * {@link OverloadedException} or a timeout). A cancelled task never counts, whatever this says.
     */
    public Builder overloadWhen(Predicate<Outcome<?>> overload) {
      this.overload = Objects.requireNonNull(overload, "overload");
      return this;
    }

    /**
     * Told of every change of the limits in force (with its key, for a keyed adaptive limiter); it
     * must be quick and must not throw.
     */
    public Builder onChange(Consumer<AdaptiveLimiter.Change> onChange) {
      this.onChange = Objects.requireNonNull(onChange, "onChange");
      return this;
    }

    /**
     * For a keyed adaptive limiter: how long an idle key whose limits it adapted is remembered before
     * it is forgotten (and starts again from the configured limits when next used). Default 10 minutes:
     * what a service said about a host is worth keeping across a pause in the work, not for ever
     * (limits also climb only with successes, so an idle key would never get back by itself). A key
     * whose limits are back where they started is forgotten as soon as it is idle.
     *
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder forgetAfter(Duration forgetAfter) {
      Objects.requireNonNull(forgetAfter, "forgetAfter");
      if (forgetAfter.isZero() || forgetAfter.isNegative()) {
        throw new IllegalArgumentException("forgetAfter must be a positive duration, but was " + forgetAfter);
      }
      this.forgetAfter = forgetAfter;
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException if a floor or ceiling is set for a limit the starting
     *     configuration lacks, a starting limit is outside its floor and ceiling, or the burst is too
     *     large for the slowest rate
     */
    public AdaptiveConfig build() {
      return new AdaptiveConfig(this);
    }

    private static double positive(String name, double value) {
      if (!(value > 0) || Double.isInfinite(value)) {
        throw new IllegalArgumentException(name + " must be a finite number > 0, but was " + value);
      }
      return value;
    }
  }
}
