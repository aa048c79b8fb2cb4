package dev.meter.api;

import dev.meter.api.event.MeterListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The immutable starting configuration of a limiter that lives beyond one run: its concurrency limit,
 * its rate and burst, its clock and timer, and who watches it. Build one with {@link #builder()} and
 * turn it into a {@link SharedLimiter} or a {@link KeyedLimiter} with
 * {@code dev.meter.core.Meter.limiter(config)} / {@code Meter.keyedLimiter(config)}.
 *
 * <pre>{@code
 * SharedLimiter api = Meter.limiter(LimiterConfig.builder()
 *     .name("github-api")
 *     .maxAtOnce(10)
 *     .maxPerSecond(10)
 *     .build());
 * RunOptions options = RunOptions.builder().limiter(api).build();  // every run with it shares the limit
 * }</pre>
 *
 * <p>A limiter with neither limit is allowed: it lets everything through until it is
 * {@linkplain SharedLimiter#pauseFor paused}, which is what a 429 back-off needs.
 */
public final class LimiterConfig {
  /** Numbers the limiters built without a name: "limiter-1", "limiter-2", ... */
  private static final AtomicLong UNNAMED = new AtomicLong();

  private final String name;
  private final Limits limits;
  private final @Nullable TimeSource timeSource;
  private final List<MeterListener> listeners;

  private LimiterConfig(Builder builder) {
    this.name = builder.name != null ? builder.name : "limiter-" + UNNAMED.incrementAndGet();
    this.limits = builder.limits.build();
    this.timeSource = builder.timeSource;
    this.listeners = List.copyOf(builder.listeners);
  }

  /** A new builder: no limits, the system clock and meter's shared timer. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The limiter's name: what its metrics are tagged with, and what its {@code toString} and the errors
   * about it say. Unless set, "limiter-" and a number unique in this JVM.
   */
  public String name() {
    return name;
  }

  /** The limiter's starting limits, over all its runs together ({@link Limits#none()} unless set). */
  public Limits limits() {
    return limits;
  }

  /** The limiter's clock and timer; null for meter's default (see {@link RunOptions#timeSource()}). */
  public @Nullable TimeSource timeSource() {
    return timeSource;
  }

  /** Who is told of every task that passes through the limiter. */
  public List<MeterListener> listeners() {
    return listeners;
  }

  @Override
  public String toString() {
    return "LimiterConfig{name=" + name + ", limits=" + limits + ", listeners=" + listeners.size() + "}";
  }

  /** Builds a {@link LimiterConfig}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private @Nullable String name;
    private final LimitsBuilder limits = new LimitsBuilder(Limits.none());
    private @Nullable TimeSource timeSource;
    private final List<MeterListener> listeners = new ArrayList<>();

    private Builder() {}

    /**
     * The limiter's name, for its metrics, its {@code toString} and errors about it (a keyed limiter's
     * keys are named {@code name:key}).
     *
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank, but was \"" + name + "\"");
      }
      this.name = name;
      return this;
    }

    /**
     * At most {@code maxAtOnce} tasks running through the limiter at once, over all its runs.
     *
     * @throws IllegalArgumentException if {@code maxAtOnce < 1}
     */
    public Builder maxAtOnce(int maxAtOnce) {
      limits.maxAtOnce(maxAtOnce);
      return this;
    }

    /**
     * At most {@code maxPerSecond} starts per second through the limiter, over all its runs.
     *
     * @throws IllegalArgumentException if it is not a finite number &gt; 0, or above {@link Rate#MAX_PER_SECOND}
     */
    public Builder maxPerSecond(double maxPerSecond) {
      limits.maxPerSecond(maxPerSecond);
      return this;
    }

    /**
     * At most {@code permits} starts per {@code per}.
     *
     * @throws IllegalArgumentException if {@code permits} is not a finite number &gt; 0 or {@code per} is not positive
     */
    public Builder rate(double permits, Duration per) {
      limits.rate(permits, per);
      return this;
    }

    /** The start rate as a {@link Rate} value. */
    public Builder rate(Rate rate) {
      limits.rate(rate);
      return this;
    }

    /** All three limits at once, replacing any set before. */
    public Builder limits(Limits limits) {
      this.limits.set(limits);
      return this;
    }

    /**
     * How many starts the rate lets through at once; a new limiter starts with the full burst.
     *
     * @throws IllegalArgumentException if {@code maxBurst < 1}
     */
    public Builder maxBurst(int maxBurst) {
      limits.maxBurst(maxBurst);
      return this;
    }

    /** The clock the limiter measures rates and pauses with, and the timer that wakes waiting runs. */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** One more listener told of every task that passes through the limiter. */
    public Builder listener(MeterListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException if {@code maxBurst} is above 1 without a rate, or too large for its interval
     */
    public LimiterConfig build() {
      return new LimiterConfig(this);
    }
  }
}
