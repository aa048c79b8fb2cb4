package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.AdaptiveLimiter;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Every limiter has a name: in its toString, in errors about it, and for its metrics. */
class LimiterNamesTest {

  @Test
  void name_setOnTheConfig_namesEveryKindOfLimiter() {
    // Given configs named "github"
    LimiterConfig config = LimiterConfig.builder().name("github").maxAtOnce(2).maxPerSecond(10).build();
    LimiterConfig rateOnly = LimiterConfig.builder().name("tokens").maxPerSecond(100).build();

    // When limiters of each kind are built from them
    SharedLimiter shared = Meter.limiter(config);
    AdaptiveLimiter adaptive = Meter.adaptiveLimiter(AdaptiveConfig.builder(config).build());
    KeyedLimiter<String> keyed = Meter.keyedLimiter(config);
    KeyedLimiter<String> keyedAdaptive = Meter.keyedAdaptiveLimiter(AdaptiveConfig.builder(config).build());

    // Then each is called by it, and says so in its toString
    assertThat(List.of(shared.name(), adaptive.name(), keyed.name(), keyedAdaptive.name())).containsOnly("github");
    assertThat(shared.toString()).startsWith("SharedLimiter{name=github, ");
    assertThat(adaptive.toString()).startsWith("AdaptiveLimiter{name=github, ");
    assertThat(keyed.toString()).startsWith("KeyedLimiter{name=github, ");
    assertThat(keyed.by((String s) -> s).toString()).startsWith("KeyedLimiter{name=github}.by(");
    assertThat(Meter.costLimiter(rateOnly, (String s) -> s.length()).toString()).startsWith("CostLimiter{name=tokens, ");
    assertThat(config.toString()).startsWith("LimiterConfig{name=github, ");
  }

  @Test
  void name_unset_isLimiterAndANumber_differentForEachConfig() {
    LimiterConfig first = LimiterConfig.builder().maxAtOnce(1).build();
    LimiterConfig second = LimiterConfig.builder().maxAtOnce(1).build();

    assertThat(first.name()).matches("limiter-\\d+");
    assertThat(second.name()).matches("limiter-\\d+").isNotEqualTo(first.name());
    assertThat(Meter.limiter(first).name()).isEqualTo(first.name());
  }

  @Test
  void name_blankOrNull_isRefusedNamingIt() {
    assertThatThrownBy(() -> LimiterConfig.builder().name(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("name must not be blank, but was \" \"");
    assertThatThrownBy(() -> LimiterConfig.builder().name(null))
        .isInstanceOf(NullPointerException.class).hasMessage("name");
  }

  @Test
  void keyOf_returningNull_failsTheRunNamingTheKeyedLimiter() {
    KeyedLimiter<String> perHost = Meter.keyedLimiter(LimiterConfig.builder().name("per-host").maxAtOnce(1).build());
    RunOptions options = RunOptions.builder().limiter(perHost.by((String s) -> s.isEmpty() ? null : s)).build();

    CompletableFuture<Void> run = Meter.with(options).runOnEach(List.of(""), CompletableFuture::completedFuture);

    assertThatThrownBy(run::join).hasCauseInstanceOf(NullPointerException.class)
        .hasMessageContaining("keyOf of keyed limiter per-host returned null for item ");
  }
}
