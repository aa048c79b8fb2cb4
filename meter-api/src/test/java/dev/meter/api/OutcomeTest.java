package dev.meter.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class OutcomeTest {

  @Test
  void getOrThrow_success_returnsValue() {
    assertThat(Outcome.success("a").getOrThrow()).isEqualTo("a");
    assertThat(Outcome.<String>success(null).getOrThrow()).isNull();
  }

  @Test
  void getOrThrow_checkedFailure_rethrowsTheSameExceptionUnwrapped() {
    IOException failure = new IOException("disk");
    Outcome<String> outcome = Outcome.failure(failure);

    assertThatThrownBy(outcome::getOrThrow).isSameAs(failure);
  }

  @Test
  void isSuccessAndIsFailure_reflectTheVariant() {
    assertThat(Outcome.success(1).isSuccess()).isTrue();
    assertThat(Outcome.success(1).isFailure()).isFalse();
    assertThat(Outcome.failure(new RuntimeException()).isFailure()).isTrue();
  }

  @Test
  void capture_throwingBody_capturesTheFailure() {
    IllegalStateException boom = new IllegalStateException("boom");
    Outcome<Integer> outcome = Outcome.capture(() -> {
      throw boom;
    });

    assertThat(outcome).isEqualTo(new Outcome.Failure<Integer>(boom));
    assertThat(outcome.failureOrNull()).isSameAs(boom);
  }

  @Test
  void capture_interruptedBody_restoresTheInterruptFlag() {
    Outcome<Integer> outcome = Outcome.capture(() -> {
      throw new InterruptedException();
    });

    assertThat(Thread.interrupted()).isTrue();
    assertThat(outcome.failureOrNull()).isInstanceOf(InterruptedException.class);
  }

  @Test
  void map_success_appliesAndCapturesMapperFailure() {
    assertThat(Outcome.success(2).map(x -> x * 10)).isEqualTo(Outcome.success(20));
    RuntimeException bad = new RuntimeException("mapper");
    assertThat(Outcome.success(2).map(x -> {
      throw bad;
    }).failureOrNull()).isSameAs(bad);
  }

  @Test
  void map_failure_passesThroughWithoutCallingMapper() {
    RuntimeException failure = new RuntimeException("x");
    Outcome<Integer> mapped = Outcome.<Integer>failure(failure).map(x -> {
      throw new AssertionError("must not be called");
    });

    assertThat(mapped.failureOrNull()).isSameAs(failure);
  }

  @Test
  void fold_picksTheBranchOfTheVariant() {
    String onSuccess = Outcome.success(3).fold(v -> "v" + v, f -> "f");
    assertThat(onSuccess).isEqualTo("v3");
    String folded = Outcome.<Integer>failure(new RuntimeException("m")).fold(v -> "v", Throwable::getMessage);
    assertThat(folded).isEqualTo("m");
  }

  @Test
  void recoverAndGetOrElse_replaceAFailure() {
    Outcome<Integer> failed = Outcome.failure(new RuntimeException());
    assertThat(failed.recover(f -> 7)).isEqualTo(Outcome.success(7));
    assertThat(failed.getOrElse(9)).isEqualTo(9);
    assertThat(Outcome.success(1).recover(f -> 7)).isEqualTo(Outcome.success(1));
  }

  @Test
  void flatMap_chainsOutcomes() {
    assertThat(Outcome.success(1).flatMap(x -> Outcome.success(x + 1))).isEqualTo(Outcome.success(2));
  }

  @Test
  void failure_null_throwsNamingTheParameter() {
    assertThatThrownBy(() -> Outcome.failure(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("failure");
  }
}
