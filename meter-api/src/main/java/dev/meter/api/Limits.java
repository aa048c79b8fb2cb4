package dev.meter.api;

import dev.meter.api.internal.Checks;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The limits on starts, as one immutable value: at most {@code maxAtOnce} tasks running at any
 * instant, and at most {@code rate} starts, of which {@code maxBurst} may go at once (GCRA: in every
 * window of length w, at most {@code maxBurst + ceil(w * rate)} starts). A run's own limits
 * ({@link RunOptions#limits()}), a shared or keyed limiter's ({@link LimiterConfig#limits()},
 * {@link SharedLimiter#limits()}) and Kotlin's named parameters are all this value.
 *
 * <pre>{@code
 * Meter.with(Limits.of(5)).runOnEach(items, this::process);                  // 5 at once
 * Meter.with(Limits.of(5, Rate.perSecond(10))).amap(urls, this::fetch);      // and 10 per second
 * Meter.with(Limits.of(5, Rate.perSecond(10), 3)).amap(urls, this::fetch);   // in bursts of 3
 * }</pre>
 *
 * @param maxAtOnce at most this many tasks running at any instant; {@link #UNLIMITED} for no limit
 * @param rate at most this many starts per period; null for no rate limit
 * @param maxBurst how many starts the rate lets through at once; 1 without a rate
 */
public record Limits(int maxAtOnce, @Nullable Rate rate, int maxBurst) {

  /** {@link #maxAtOnce()} when there is no concurrency limit. */
  public static final int UNLIMITED = Integer.MAX_VALUE;

  private static final Limits NONE = new Limits(UNLIMITED, null, 1);

  /**
   * @throws IllegalArgumentException if {@code maxAtOnce < 1}, {@code maxBurst < 1}, a burst above 1
   *     comes without a rate, or the burst is too large for the rate's interval
   */
  public Limits {
    Checks.maxAtOnce(maxAtOnce);
    Checks.maxBurst(maxBurst);
    Checks.burstFitsRate(maxBurst, rate);
  }

  /** No limits at all. */
  public static Limits none() {
    return NONE;
  }

  /** At most {@code maxAtOnce} tasks running at once, no rate. */
  public static Limits of(int maxAtOnce) {
    return new Limits(maxAtOnce, null, 1);
  }

  /** At most {@code rate} starts, one at a time (burst 1), any number running. */
  public static Limits of(Rate rate) {
    return new Limits(UNLIMITED, Objects.requireNonNull(rate, "rate"), 1);
  }

  /** At most {@code rate} starts, {@code maxBurst} of them at once, any number running. */
  public static Limits of(Rate rate, int maxBurst) {
    return new Limits(UNLIMITED, Objects.requireNonNull(rate, "rate"), maxBurst);
  }

  /** At most {@code maxAtOnce} tasks running and {@code rate} starts, one at a time. */
  public static Limits of(int maxAtOnce, Rate rate) {
    return new Limits(maxAtOnce, Objects.requireNonNull(rate, "rate"), 1);
  }

  /** At most {@code maxAtOnce} tasks running and {@code rate} starts, {@code maxBurst} of them at once. */
  public static Limits of(int maxAtOnce, Rate rate, int maxBurst) {
    return new Limits(maxAtOnce, Objects.requireNonNull(rate, "rate"), maxBurst);
  }

  /** These limits with another concurrency limit ({@link #UNLIMITED} for none). */
  public Limits withMaxAtOnce(int maxAtOnce) {
    return new Limits(maxAtOnce, rate, maxBurst);
  }

  /** These limits with another rate, keeping the burst. */
  public Limits withRate(Rate rate) {
    return new Limits(maxAtOnce, Objects.requireNonNull(rate, "rate"), maxBurst);
  }

  /** These limits with another burst; they must have a rate unless {@code maxBurst} is 1. */
  public Limits withMaxBurst(int maxBurst) {
    return new Limits(maxAtOnce, rate, maxBurst);
  }

  /** These limits without a rate (and so with a burst of 1). */
  public Limits withoutRate() {
    return new Limits(maxAtOnce, null, 1);
  }

  @Override
  public String toString() {
    return "Limits{maxAtOnce=" + (maxAtOnce == UNLIMITED ? "unlimited" : maxAtOnce)
        + ", rate=" + (rate == null ? "none" : rate) + ", maxBurst=" + maxBurst + "}";
  }
}
