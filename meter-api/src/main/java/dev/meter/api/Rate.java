package dev.meter.api;

import java.time.Duration;
import java.util.Objects;

/**
 * A start rate: {@code permits} task starts per {@code per}, for example 100 per minute. The engine
 * enforces it with GCRA (virtual scheduling): with a burst of {@code b}, every window of length
 * {@code w} holds at most {@code b + ceil(w * permits / per)} starts.
 *
 * @param permits how many starts per {@code per}; finite and &gt; 0
 * @param per the period; positive
 */
public record Rate(double permits, Duration per) {

  /** The fastest rate meter can pace: one start per nanosecond. */
  public static final double MAX_PER_SECOND = 1e9;

  /**
   * @throws IllegalArgumentException if {@code permits} is not a finite number &gt; 0, {@code per} is
   *     not positive, or the rate is faster than {@link #MAX_PER_SECOND} or slower than one start in
   *     about 70 years
   */
  public Rate {
    Objects.requireNonNull(per, "per");
    if (!(permits > 0) || Double.isInfinite(permits)) {
      throw new IllegalArgumentException("permits must be a finite number > 0, but was " + permits);
    }
    if (per.isNegative() || per.isZero()) {
      throw new IllegalArgumentException("per must be a positive duration, but was " + per);
    }
    double interval = nanos(per) / permits;
    if (interval < 1.0 - 1e-9) {
      throw new IllegalArgumentException(
          "rate must be at most " + MAX_PER_SECOND + " per second, but was " + permits + " per " + per);
    }
    if (interval > MAX_INTERVAL_NANOS) {
      throw new IllegalArgumentException(
          "rate must be at least one start per " + Duration.ofNanos(MAX_INTERVAL_NANOS) + ", but was "
              + permits + " per " + per);
    }
  }

  // Keeps interval * burst and time arithmetic far from long overflow.
  private static final long MAX_INTERVAL_NANOS = Duration.ofDays(365L * 70).toNanos();

  /** {@code permitsPerSecond} starts per second. */
  public static Rate perSecond(double permitsPerSecond) {
    if (!(permitsPerSecond > 0) || Double.isInfinite(permitsPerSecond)) {
      throw new IllegalArgumentException(
          "maxPerSecond must be a finite number > 0, but was " + permitsPerSecond);
    }
    return new Rate(permitsPerSecond, Duration.ofSeconds(1));
  }

  /** {@code permits} starts per {@code per}. */
  public static Rate of(double permits, Duration per) {
    return new Rate(permits, per);
  }

  /** Starts per second. */
  public double perSecond() {
    return permits * 1e9 / nanos(per);
  }

  /**
   * The emission interval {@code per / permits} in whole nanoseconds, rounded up so that the paced
   * rate never exceeds the set one (an exact quotient is kept exact).
   */
  public long intervalNanos() {
    double exact = nanos(per) / permits;
    double rounded = Math.rint(exact);
    // Only floating-point noise counts as exact; any real fraction rounds up.
    double noise = Math.max(1e-6, exact * 1e-12);
    long interval = Math.abs(exact - rounded) <= noise ? (long) rounded : (long) Math.ceil(exact);
    return Math.max(1L, interval);
  }

  private static double nanos(Duration duration) {
    return duration.getSeconds() * 1e9 + duration.getNano();
  }

  @Override
  public String toString() {
    return permits + " per " + per;
  }
}
