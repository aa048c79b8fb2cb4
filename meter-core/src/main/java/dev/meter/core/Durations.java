package dev.meter.core;

import java.time.Duration;
import java.util.Objects;

/** Checks and conversions of the durations users hand in. */
final class Durations {
  private Durations() {}

  static void checkPause(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative, but was " + duration);
    }
  }

  /** In nanoseconds, at most a quarter of the clock's range, so that deadlines never overflow. */
  static long saturatedNanos(Duration duration) {
    try {
      return Math.min(duration.toNanos(), Long.MAX_VALUE / 4);
    } catch (ArithmeticException tooLong) {
      return Long.MAX_VALUE / 4;
    }
  }
}
