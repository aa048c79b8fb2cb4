package dev.meter.kotlin

import dev.meter.api.Outcome
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

class OutcomesTest {
  private val boom = IllegalStateException("boom")

  @Test
  fun asResult_successAndFailure_convertBothWays() {
    assertThat(Outcome.success("a").asResult()).isEqualTo(Result.success("a"))
    assertThat(Outcome.failure<String>(boom).asResult().exceptionOrNull()).isSameAs(boom)
    assertThat(Result.success(1).asOutcome().getOrThrow()).isEqualTo(1)
    assertThat(Result.failure<Int>(boom).asOutcome().failureOrNull()).isSameAs(boom)
    assertThat(Outcome.success<String?>(null).asResult().getOrThrow()).isNull()
  }

  @Test
  fun onSuccessOnFailureGetOrNull_actOnTheRightSide() {
    val seen = mutableListOf<Any>()
    Outcome.success("v").onSuccess { seen += it }.onFailure { seen += it }
    Outcome.failure<String>(boom).onSuccess { seen += it }.onFailure { seen += it }

    assertThat(seen).containsExactly("v", boom)
    assertThat(Outcome.success(2).getOrNull()).isEqualTo(2)
    assertThat(Outcome.failure<Int>(boom).getOrNull()).isNull()
  }
}
