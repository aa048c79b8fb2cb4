package dev.meter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.spi.Limiter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RunOptionsTest {

  static Stream<Arguments> badOptions() {
    return Stream.of(
        bad("maxAtOnce 0", b -> b.maxAtOnce(0), "maxAtOnce must be >= 1, but was 0"),
        bad("maxAtOnce negative", b -> b.maxAtOnce(-3), "maxAtOnce must be >= 1, but was -3"),
        bad("maxPerSecond 0", b -> b.maxPerSecond(0), "maxPerSecond must be a finite number > 0, but was 0.0"),
        bad("maxPerSecond negative", b -> b.maxPerSecond(-1), "maxPerSecond must be a finite number > 0, but was -1.0"),
        bad("maxPerSecond NaN", b -> b.maxPerSecond(Double.NaN), "maxPerSecond must be a finite number > 0, but was NaN"),
        bad("maxPerSecond infinite", b -> b.maxPerSecond(Double.POSITIVE_INFINITY),
            "maxPerSecond must be a finite number > 0, but was Infinity"),
        bad("maxPerSecond too fast", b -> b.maxPerSecond(2e9), "rate must be at most 1.0E9 per second"),
        bad("maxBurst 0", b -> b.maxBurst(0), "maxBurst must be >= 1, but was 0"),
        bad("rate permits 0", b -> b.rate(0, Duration.ofSeconds(1)), "permits must be a finite number > 0, but was 0.0"),
        bad("rate permits NaN", b -> b.rate(Double.NaN, Duration.ofSeconds(1)), "permits must be a finite number > 0, but was NaN"),
        bad("rate zero duration", b -> b.rate(5, Duration.ZERO), "per must be a positive duration, but was PT0S"),
        bad("rate negative duration", b -> b.rate(5, Duration.ofSeconds(-1)), "per must be a positive duration, but was PT-1S"),
        bad("bufferSize 0", b -> b.bufferSize(0), "bufferSize must be >= 1, but was 0"),
        bad("lookahead -1", b -> b.lookahead(-1), "lookahead must be >= 0, but was -1"),
        bad("burst without rate", b -> b.maxBurst(3).build(), "maxBurst must come with a rate"));
  }

  private static Arguments bad(String name, Consumer<RunOptions.Builder> setter, String message) {
    return Arguments.of(name, setter, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badOptions")
  void builder_badValue_throwsNamingParameterAndValue(String name, Consumer<RunOptions.Builder> setter, String message) {
    assertThatThrownBy(() -> setter.accept(RunOptions.builder()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void builder_nullArguments_throwNamingTheParameter() {
    RunOptions.Builder builder = RunOptions.builder();
    assertThatThrownBy(() -> builder.executor(null)).isInstanceOf(NullPointerException.class).hasMessage("executor");
    assertThatThrownBy(() -> builder.timeSource(null)).isInstanceOf(NullPointerException.class).hasMessage("timeSource");
    assertThatThrownBy(() -> builder.limiter(null)).isInstanceOf(NullPointerException.class).hasMessage("limiter");
    assertThatThrownBy(() -> builder.failurePolicy(null)).isInstanceOf(NullPointerException.class).hasMessage("failurePolicy");
    assertThatThrownBy(() -> builder.rate(1, null)).isInstanceOf(NullPointerException.class).hasMessage("per");
  }

  @Test
  void build_defaults_areUnlimitedFailFast() {
    RunOptions options = RunOptions.defaults();
    assertThat(options.limits().maxAtOnce()).isEqualTo(Limits.UNLIMITED);
    assertThat(options.limits().rate()).isNull();
    assertThat(options.limits().maxBurst()).isEqualTo(1);
    assertThat(options.failurePolicy()).isEqualTo(FailurePolicy.FAIL_FAST);
    assertThat(options.bufferSize()).isEqualTo(RunOptions.DEFAULT_BUFFER_SIZE);
  }

  @Test
  void toBuilder_changesOneOptionAndKeepsTheRest() {
    RunOptions first = RunOptions.builder().maxAtOnce(5).maxPerSecond(10).maxBurst(3).build();
    RunOptions second = first.toBuilder().maxAtOnce(2).build();

    assertThat(second.limits().maxAtOnce()).isEqualTo(2);
    assertThat(second.limits().rate()).isEqualTo(Rate.perSecond(10));
    assertThat(second.limits().maxBurst()).isEqualTo(3);
    assertThat(first.limits().maxAtOnce()).isEqualTo(5);
  }

  @Test
  void limiters_list_replacesThoseGivenBeforeInItsOrder() {
    Limiter first = new NamedLimiter();
    Limiter second = new NamedLimiter();
    RunOptions options = RunOptions.builder().limiter(first).build();

    RunOptions replaced = options.toBuilder().limiters(List.of(second, first)).build();

    assertThat(replaced.limiters()).containsExactly(second, first);
    assertThat(options.limiters()).containsExactly(first);
  }

  @Test
  void limiters_nullListOrElement_throwsNamingIt() {
    RunOptions.Builder builder = RunOptions.builder().limiter(new NamedLimiter());

    assertThatThrownBy(() -> builder.limiters(null)).isInstanceOf(NullPointerException.class).hasMessage("limiters");
    assertThatThrownBy(() -> builder.limiters(Arrays.asList(new NamedLimiter(), null)))
        .isInstanceOf(NullPointerException.class).hasMessage("limiters[1]");
    assertThat(builder.build().limiters()).hasSize(1);  // a refused list leaves the limiters as they were
  }

  /** A limiter that allows every start; only its identity matters here. */
  private static final class NamedLimiter implements Limiter {
    @Override
    public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
      return GRANTED;
    }

    @Override
    public void refund(Permit permit, long nowNanos) {}

    @Override
    public void release(Permit permit, long nowNanos) {}

    @Override
    public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
      wakeUp.run();
      return () -> {};
    }
  }

  @Test
  void rate_perDuration_hasTheExactInterval() {
    assertThat(Rate.of(100, Duration.ofMinutes(1)).intervalNanos()).isEqualTo(600_000_000L);
    assertThat(Rate.perSecond(10_000).intervalNanos()).isEqualTo(100_000L);
    assertThat(Rate.perSecond(3).intervalNanos()).isEqualTo(333_333_334L);  // rounded up: never faster
    assertThat(Rate.of(100, Duration.ofMinutes(1)).perSecond()).isEqualTo(100 / 60.0, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void tasksFailedException_carriesEveryFailureAsSuppressed() {
    RuntimeException a = new RuntimeException("a");
    RuntimeException b = new RuntimeException("b");
    TasksFailedException both = new TasksFailedException("2 of 3 tasks failed", java.util.List.of(a, b));

    assertThat(both.failures()).containsExactly(a, b);
    assertThat(both.getSuppressed()).containsExactly(a, b);
  }
}
