package dev.meter.api.internal;

import dev.meter.api.Rate;
import org.jspecify.annotations.Nullable;

/**
 * The limit checks the option builders and meter-core's limiters share, each naming the bad value. Not
 * API: the module exports this package to {@code dev.meter.core} only.
 */
public final class Checks {
  private Checks() {}

  public static int maxAtOnce(int maxAtOnce) {
    if (maxAtOnce < 1) {
      throw new IllegalArgumentException("maxAtOnce must be >= 1, but was " + maxAtOnce);
    }
    return maxAtOnce;
  }

  public static int maxBurst(int maxBurst) {
    if (maxBurst < 1) {
      throw new IllegalArgumentException("maxBurst must be >= 1, but was " + maxBurst);
    }
    return maxBurst;
  }

  /** A burst needs a rate, and burst times interval must stay far from overflowing time arithmetic. */
  public static void burstFitsRate(int maxBurst, @Nullable Rate rate) {
    if (maxBurst > 1 && rate == null) {
      throw new IllegalArgumentException(
          "maxBurst must come with a rate (maxPerSecond or rate), but maxBurst was " + maxBurst
              + " and no rate was set");
    }
    if (rate != null && rate.intervalNanos() > Long.MAX_VALUE / 4 / maxBurst) {
      throw new IllegalArgumentException(
          "maxBurst times the rate's interval must fit in about 70 years, but maxBurst was "
              + maxBurst + " at " + rate);
    }
  }
}
