package dev.meter.api;

import dev.meter.api.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Limits} part of {@link RunOptions.Builder} and {@link LimiterConfig.Builder}: each setter
 * checks its own value at once, and {@link #build()} checks how they combine (a burst needs a rate,
 * whichever was set first).
 */
final class LimitsBuilder {
  private int maxAtOnce;
  private @Nullable Rate rate;
  private int maxBurst;

  LimitsBuilder(Limits from) {
    set(from);
  }

  void set(Limits limits) {
    Objects.requireNonNull(limits, "limits");
    this.maxAtOnce = limits.maxAtOnce();
    this.rate = limits.rate();
    this.maxBurst = limits.maxBurst();
  }

  void maxAtOnce(int maxAtOnce) {
    this.maxAtOnce = Checks.maxAtOnce(maxAtOnce);
  }

  void maxPerSecond(double maxPerSecond) {
    this.rate = Rate.perSecond(maxPerSecond);
  }

  void rate(double permits, Duration per) {
    Objects.requireNonNull(per, "per");
    this.rate = Rate.of(permits, per);
  }

  void rate(Rate rate) {
    this.rate = Objects.requireNonNull(rate, "rate");
  }

  void maxBurst(int maxBurst) {
    this.maxBurst = Checks.maxBurst(maxBurst);
  }

  Limits build() {
    return new Limits(maxAtOnce, rate, maxBurst);
  }
}
