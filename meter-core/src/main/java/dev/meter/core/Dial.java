package dev.meter.core;

/**
 * One limit an {@link DefaultAdaptiveLimiter} moves (the rate, the burst or {@code maxAtOnce}): its
 * value, unrounded, between a floor and a ceiling, and the cubic it climbs back along after a cut.
 * Not thread-safe: the limiter's lock guards it.
 */
final class Dial {
  private final double floor;
  private double ceiling;
  /** Whether the limit is a whole number (tasks at once, a burst): cuts round down. */
  private final boolean whole;
  private double value;
  /** The value where the climb levels off: where it was last refused. */
  private double peak;
  /** The share of the peak the last cut took off: the climb starts from {@code peak * (1 - cut)}. */
  private double cut;

  Dial(double value, double floor, double ceiling, boolean whole) {
    this.value = value;
    this.floor = floor;
    this.ceiling = ceiling;
    this.whole = whole;
  }

  double value() {
    return value;
  }

  /** A value set by hand (clamped), or a new ceiling with it; the climb levels off there. */
  void set(double to, double ratio) {
    value = Math.min(ceiling, Math.max(floor, to));
    levelOff(ratio);
  }

  void setCeiling(double to) {
    ceiling = to;
  }

  /** The value as it is now is where the climb levels off, as if just climbed back to it. */
  void levelOff(double ratio) {
    peak = value;
    cut = 1 - ratio;
  }

  /**
   * Multiplies the value by {@code ratio}; the climb back levels off at {@code peakShare} of where it
   * was (below 1 when the service's limit is known to be lower than that).
   */
  void cutBy(double ratio, double peakShare) {
    peak = value * peakShare;
    value = bounded(value * ratio);
    cut = peak > 0 ? Math.max(0, 1 - value / peak) : 0;
  }

  /**
   * Brings the value down to {@code share} of the peak, if that is lower.
   *
   * @return whether it came down
   */
  boolean cutToShare(double share) {
    double to = bounded(peak * share);
    if (!(to < value)) {
      return false;
    }
    value = to;
    cut = peak > 0 ? Math.max(0, 1 - value / peak) : 0;
    return true;
  }

  /**
   * One point further along the climb: {@code peak * (1 - cut * curve)}, where {@code curve} runs
   * from 1 at the cut down to 0 at the peak and below 0 past it. Never down, never above the ceiling.
   */
  void climb(double curve) {
    value = Math.min(ceiling, Math.max(value, peak * (1 - cut * curve)));
  }

  /** A value moved by another rule (the latency rule for {@code maxAtOnce}), within the bounds. */
  void moveTo(double to) {
    value = Math.min(ceiling, Math.max(floor, to));
  }

  private double bounded(double to) {
    return Math.max(floor, whole ? Math.floor(to) : to);
  }
}
