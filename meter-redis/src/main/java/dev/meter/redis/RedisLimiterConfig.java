package dev.meter.redis;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The immutable configuration of a quota held in Redis: its name (every JVM that uses the same name
 * shares the quota), its limits, how long a lease outlives a JVM that died, and what to do while Redis
 * does not answer. Build one with {@link #builder(String)}.
 *
 * <pre>{@code
 * RedisLimiterConfig config = RedisLimiterConfig.builder("search-api")
 *     .limits(Limits.of(8, Rate.perSecond(200), 10))
 *     .failOpen(Limits.of(3, Rate.perSecond(70), 4))   // while Redis is down: a third each, for 3 replicas
 *     .build();
 * }</pre>
 */
public final class RedisLimiterConfig {
  /** The highest rate a quota in Redis can hold: its clock counts microseconds. */
  public static final double MAX_PER_SECOND = 1_000_000;

  private final String name;
  private final Limits limits;
  private final Duration leaseTime;
  private final Duration commandTimeout;
  private final Duration retryInterval;
  private final Duration slotPollInterval;
  private final @Nullable Limits fallback;
  private final RedisListener listener;
  private final @Nullable ScheduledExecutorService scheduler;

  private RedisLimiterConfig(Builder builder) {
    this.name = builder.name;
    this.limits = builder.limits;
    this.leaseTime = builder.leaseTime;
    this.commandTimeout = builder.commandTimeout;
    this.retryInterval = builder.retryInterval;
    this.slotPollInterval = builder.slotPollInterval;
    this.fallback = builder.fallback;
    this.listener = builder.listener;
    this.scheduler = builder.scheduler;
  }

  /**
   * A new builder for the quota {@code name}: no limits until set, leases of 10 s, commands given up
   * after 1 s, fail closed.
   *
   * @throws IllegalArgumentException if {@code name} is empty or has a brace (the keys' hash tag)
   */
  public static Builder builder(String name) {
    return new Builder(checkName(name));
  }

  /** The quota's name; its keys in Redis are {@code meter:{name}:rate}, {@code :leases} and {@code :pause}. */
  public String name() {
    return name;
  }

  /** The quota's limits, over every JVM that uses it together. */
  public Limits limits() {
    return limits;
  }

  /** How long a lease lasts unless renewed: a JVM that dies frees its slots within this time. */
  public Duration leaseTime() {
    return leaseTime;
  }

  /** How long a command may take before Redis counts as unavailable. */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** How often a limiter tries Redis again while it does not answer. */
  public Duration retryInterval() {
    return retryInterval;
  }

  /**
   * How often a start waiting for a slot that another JVM holds asks again (a release in this JVM
   * wakes it at once; one elsewhere is only seen by asking).
   */
  public Duration slotPollInterval() {
    return slotPollInterval;
  }

  /** The local limits used while Redis does not answer (fail open); null to start nothing meanwhile (fail closed). */
  public @Nullable Limits fallback() {
    return fallback;
  }

  /** Who is told of faults. */
  public RedisListener listener() {
    return listener;
  }

  /** The limiter's timer (time-outs, renewals, retries, wake-ups); null for meter-redis's own daemon thread. */
  public @Nullable ScheduledExecutorService scheduler() {
    return scheduler;
  }

  @Override
  public String toString() {
    return "RedisLimiterConfig{name=" + name + ", limits=" + limits + ", leaseTime=" + leaseTime
        + ", " + (fallback == null ? "fail closed" : "fail open to " + fallback) + "}";
  }

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.indexOf('{') >= 0 || name.indexOf('}') >= 0) {
      throw new IllegalArgumentException("name must be non-empty and without braces, but was \"" + name + "\"");
    }
    return name;
  }

  static Limits checkLimits(Limits limits) {
    Objects.requireNonNull(limits, "limits");
    Rate rate = limits.rate();
    if (rate != null && rate.perSecond() > MAX_PER_SECOND) {
      throw new IllegalArgumentException(
          "rate must be at most " + (long) MAX_PER_SECOND + " per second in Redis, but was " + rate);
    }
    return limits;
  }

  /** Builds a {@link RedisLimiterConfig}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final String name;
    private Limits limits = Limits.none();
    private Duration leaseTime = Duration.ofSeconds(10);
    private Duration commandTimeout = Duration.ofSeconds(1);
    private Duration retryInterval = Duration.ofMillis(500);
    private Duration slotPollInterval = Duration.ofMillis(20);
    private @Nullable Limits fallback;
    private RedisListener listener = RedisListener.NONE;
    private @Nullable ScheduledExecutorService scheduler;

    private Builder(String name) {
      this.name = name;
    }

    /**
     * The quota's limits over all JVMs together. Every JVM sharing the quota should give the same
     * ones: each start is checked against the limits of the JVM asking.
     *
     * @throws IllegalArgumentException if the rate is above {@link #MAX_PER_SECOND}
     */
    public Builder limits(Limits limits) {
      this.limits = checkLimits(limits);
      return this;
    }

    /**
     * How long a lease lasts unless renewed (the limiter renews its leases every third of it).
     *
     * @throws IllegalArgumentException if below 100 ms
     */
    public Builder leaseTime(Duration leaseTime) {
      this.leaseTime = atLeast("leaseTime", leaseTime, Duration.ofMillis(100));
      return this;
    }

    /**
     * How long a command may take before Redis counts as unavailable.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = atLeast("commandTimeout", commandTimeout, Duration.ofNanos(1));
      return this;
    }

    /**
     * How often to try Redis again while it does not answer.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder retryInterval(Duration retryInterval) {
      this.retryInterval = atLeast("retryInterval", retryInterval, Duration.ofNanos(1));
      return this;
    }

    /**
     * How often a start waiting for a slot held by another JVM asks again.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder slotPollInterval(Duration slotPollInterval) {
      this.slotPollInterval = atLeast("slotPollInterval", slotPollInterval, Duration.ofNanos(1));
      return this;
    }

    /** While Redis does not answer, start nothing, and go on when it answers again. The default. */
    public Builder failClosed() {
      this.fallback = null;
      return this;
    }

    /**
     * While Redis does not answer, start tasks under {@code localLimits} in this JVM alone (usually the
     * quota divided among the JVMs that share it), and go back to the quota when it answers again.
     *
     * @throws IllegalArgumentException if the rate is above {@link #MAX_PER_SECOND}
     */
    public Builder failOpen(Limits localLimits) {
      this.fallback = checkLimits(Objects.requireNonNull(localLimits, "localLimits"));
      return this;
    }

    /** Who is told of faults (Redis unavailable, back, leases lost, a tidying command failed). */
    public Builder listener(RedisListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The timer to use instead of meter-redis's own daemon thread; the limiter does not shut it down. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The immutable configuration, as set so far. */
    public RedisLimiterConfig build() {
      return new RedisLimiterConfig(this);
    }

    private static Duration atLeast(String what, Duration value, Duration least) {
      Objects.requireNonNull(value, what);
      if (value.compareTo(least) < 0) {
        throw new IllegalArgumentException(what + " must be >= " + least + ", but was " + value);
      }
      return value;
    }
  }
}
