package dev.meter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPolicyTest {
  private static final IOException FAILED = new IOException("failed");

  /** 100 ms doubling up to 1 s, 6 attempts. */
  private static RetryPolicy.Builder policy() {
    return RetryPolicy.builder().maxAttempts(6).backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  @ParameterizedTest(name = "[{index}] attempt {0}, jitter {1}, random {2} -> {3} ms")
  @CsvSource({
      // attempt, jitter, random, delay in ms (-1: not retried)
      "1, 0,    0.99, 100",
      "2, 0,    0,    200",
      "3, 0,    0,    400",
      "4, 0,    0,    800",
      "5, 0,    0,    1000",   // capped at maxDelay
      "6, 0,    0,    -1",     // the sixth attempt was the last
      "1, 0.5,  0,    100",    // no share taken off
      "1, 0.5,  0.5,  75",
      "2, 0.5,  0.999, 100",   // at most half taken off
      "5, 0.5,  0.5,  750",    // jitter applies to the capped delay: retries at the cap still spread
      "3, 1,    0.75, 100",    // full jitter: anywhere from 0
  })
  void delayAfter_exponentialWithJitter(int attempt, double jitter, double random, long expectedMillis) {
    Optional<Duration> delay = policy().jitter(jitter).build().delayAfter(attempt, FAILED, random);
    if (expectedMillis < 0) {
      assertThat(delay).isEmpty();
    } else {
      assertThat(delay).hasValueSatisfying(value -> assertThat(value.toMillis()).isEqualTo(expectedMillis));
    }
  }

  @Test
  void delayAfter_retryAfterLongerThanTheBackoff_waitsForIt() {
    RetryPolicy retry = policy().jitter(0).build();
    OverloadedException overloaded = new OverloadedException("429", Duration.ofMillis(700));
    assertThat(retry.delayAfter(1, overloaded, 0)).contains(Duration.ofMillis(700));
    assertThat(retry.delayAfter(4, overloaded, 0)).contains(Duration.ofMillis(800));  // the backoff is longer
  }

  @Test
  void delayAfter_retryAfterOnACause_counts() {
    RetryPolicy retry = policy().jitter(0).build();
    RuntimeException wrapped = new UncheckedIOException(new IOException(new OverloadedException("503", Duration.ofMillis(900))));
    assertThat(retry.delayAfter(1, wrapped, 0)).contains(Duration.ofMillis(900));
  }

  @Test
  void delayAfter_retryAfterBeyondMaxDelay_isNotRetried() {
    RetryPolicy retry = policy().build();
    assertThat(retry.delayAfter(1, new OverloadedException("429", Duration.ofSeconds(2)), 0)).isEmpty();
    assertThat(retry.delayAfter(1, new OverloadedException("429", Duration.ofSeconds(1)), 0)).contains(Duration.ofSeconds(1));
  }

  @Test
  void delayAfter_cancellationOrError_isNotRetriedByDefault() {
    RetryPolicy retry = policy().build();
    assertThat(retry.delayAfter(1, new CancellationException(), 0)).isEmpty();
    assertThat(retry.delayAfter(1, new AssertionError("bug"), 0)).isEmpty();
    assertThat(retry.delayAfter(1, new IllegalStateException(), 0)).isPresent();
  }

  @Test
  void delayAfter_cancellation_isNotRetriedEvenIfThePredicateSaysSo() {
    RetryPolicy retry = policy().retryOn(failure -> true).build();
    assertThat(retry.delayAfter(1, new CancellationException(), 0)).isEmpty();
  }

  @Test
  void delayAfter_retryOn_choosesTheFailures() {
    RetryPolicy retry = policy().retryOn(failure -> failure instanceof OverloadedException).build();
    assertThat(retry.delayAfter(1, FAILED, 0)).isEmpty();
    assertThat(retry.delayAfter(1, new OverloadedException("429"), 0)).isPresent();
  }

  @Test
  void delayAfter_badArguments_throwNamingThem() {
    RetryPolicy retry = policy().build();
    assertThatThrownBy(() -> retry.delayAfter(0, FAILED, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("attempt must be >= 1, but was 0");
    assertThatThrownBy(() -> retry.delayAfter(1, FAILED, 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("random must be in [0, 1), but was 1.0");
    assertThatThrownBy(() -> retry.delayAfter(1, null, 0)).isInstanceOf(NullPointerException.class).hasMessage("failure");
  }

  @Test
  void builder_badValues_throwNamingTheValue() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAttempts must be >= 1, but was 0");
    assertThatThrownBy(() -> RetryPolicy.builder().backoff(Duration.ofMillis(-1), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("initialDelay must be >= 0, but was PT-0.001S");
    assertThatThrownBy(() -> RetryPolicy.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxDelay must be >= initialDelay (PT2S), but was PT1S");
    assertThatThrownBy(() -> RetryPolicy.builder().backoff(Duration.ZERO, Duration.ofDays(300 * 365)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("maxDelay must be at most PT2562047H");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("multiplier must be a finite number >= 1, but was 0.5");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("multiplier must be a finite number >= 1, but was NaN");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("jitter must be in [0, 1], but was 1.5");
    assertThatThrownBy(() -> RetryPolicy.builder().retryOn(null))
        .isInstanceOf(NullPointerException.class).hasMessage("retryOn");
    assertThatThrownBy(() -> RunOptions.builder().retry(null))
        .isInstanceOf(NullPointerException.class).hasMessage("retry");
  }

  @Test
  void builder_defaults_areThreeAttemptsFrom100MillisDoubling() {
    RetryPolicy retry = RetryPolicy.builder().build();
    assertThat(retry.maxAttempts()).isEqualTo(3);
    assertThat(retry.initialDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(retry.maxDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(retry.multiplier()).isEqualTo(2);
    assertThat(retry.jitter()).isEqualTo(0.5);
    assertThat(RunOptions.builder().retry(retry).build().retry()).isSameAs(retry);
    assertThat(RunOptions.defaults().retry()).isNull();
  }

  @Test
  void delayAfter_manyAttempts_doesNotOverflow() {
    RetryPolicy retry = RetryPolicy.builder().maxAttempts(Integer.MAX_VALUE).multiplier(10).jitter(0).build();
    assertThat(retry.delayAfter(10_000, FAILED, 0)).contains(Duration.ofSeconds(30));
  }
}
