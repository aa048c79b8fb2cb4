package dev.meter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LimitsTest {

  @Test
  void of_commonForms_holdWhatTheySay() {
    assertThat(Limits.of(5)).isEqualTo(new Limits(5, null, 1));
    assertThat(Limits.of(Rate.perSecond(10))).isEqualTo(new Limits(Limits.UNLIMITED, Rate.perSecond(10), 1));
    assertThat(Limits.of(Rate.perSecond(10), 3)).isEqualTo(new Limits(Limits.UNLIMITED, Rate.perSecond(10), 3));
    assertThat(Limits.of(5, Rate.perSecond(10))).isEqualTo(new Limits(5, Rate.perSecond(10), 1));
    assertThat(Limits.of(5, Rate.perSecond(10), 3)).isEqualTo(new Limits(5, Rate.perSecond(10), 3));
    assertThat(Limits.none()).isEqualTo(new Limits(Limits.UNLIMITED, null, 1));
  }

  @Test
  void with_changesOneLimitAndKeepsTheOthers() {
    Limits limits = Limits.of(5, Rate.perSecond(10), 3);
    assertThat(limits.withMaxAtOnce(2)).isEqualTo(Limits.of(2, Rate.perSecond(10), 3));
    assertThat(limits.withRate(Rate.of(100, Duration.ofMinutes(1)))).isEqualTo(Limits.of(5, Rate.of(100, Duration.ofMinutes(1)), 3));
    assertThat(limits.withMaxBurst(1)).isEqualTo(Limits.of(5, Rate.perSecond(10)));
    assertThat(limits.withoutRate()).isEqualTo(Limits.of(5));
  }

  @Test
  void constructor_badValues_throwNamingTheValue() {
    assertThatThrownBy(() -> Limits.of(0)).hasMessage("maxAtOnce must be >= 1, but was 0");
    assertThatThrownBy(() -> Limits.of(Rate.perSecond(1), 0)).hasMessage("maxBurst must be >= 1, but was 0");
    assertThatThrownBy(() -> Limits.of(4).withMaxBurst(3)).hasMessageStartingWith("maxBurst must come with a rate");
    assertThatThrownBy(() -> Limits.of((Rate) null)).isInstanceOf(NullPointerException.class).hasMessage("rate");
  }

  @Test
  void builders_limitsAndShorthands_giveTheSameValue() {
    Limits limits = Limits.of(5, Rate.perSecond(10), 3);
    // The burst may be set before the rate: the combination is checked at build()
    RunOptions shorthand = RunOptions.builder().maxBurst(3).maxAtOnce(5).maxPerSecond(10).build();
    assertThat(shorthand.limits()).isEqualTo(limits);
    assertThat(RunOptions.builder().limits(limits).build().limits()).isEqualTo(limits);
    assertThat(LimiterConfig.builder().limits(limits).build().limits()).isEqualTo(limits);
    assertThat(LimiterConfig.builder().maxBurst(3).maxPerSecond(10).maxAtOnce(5).build().limits()).isEqualTo(limits);
    assertThat(RunOptions.defaults().limits()).isEqualTo(Limits.none());
  }

  @Test
  void toString_saysEachLimit() {
    assertThat(Limits.of(5, Rate.perSecond(10), 3).toString()).isEqualTo("Limits{maxAtOnce=5, rate=" + Rate.perSecond(10) + ", maxBurst=3}");
    assertThat(Limits.none().toString()).isEqualTo("Limits{maxAtOnce=unlimited, rate=none, maxBurst=1}");
  }
}
