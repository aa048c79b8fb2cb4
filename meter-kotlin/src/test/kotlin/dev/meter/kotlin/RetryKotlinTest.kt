package dev.meter.kotlin

import dev.meter.api.OverloadedException
import java.io.IOException
import java.time.Duration as JavaDuration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.junit.jupiter.api.Test

/** Retries from Kotlin: named parameters, every view, cancellation during a backoff; on runTest's clock. */
@OptIn(ExperimentalCoroutinesApi::class)
class RetryKotlinTest {
  private val exact = retryPolicy(maxAttempts = 4, initialDelay = 100.milliseconds, jitter = 0.0)

  @Test
  fun retryPolicy_amapResults_triesAFailingBodyAgainAfterItsBackoff() = runTest {
    // Given a body that takes 10 ms and fails its first two attempts for item 1
    val starts = mutableMapOf<Int, MutableList<Long>>()
    val results = listOf(1, 2).amapResults(options = runOptions { retry(exact) }) { item ->
      val mine = starts.getOrPut(item) { mutableListOf() }
      mine += currentTime
      delay(10)
      if (item == 1 && mine.size <= 2) throw IOException("attempt ${mine.size}")
      item * 10
    }.toList()

    // Then item 1 started at 0, 110 and 320 ms and succeeded on its third attempt, which its result says
    assertThat(starts[1]).containsExactly(0L, 110L, 320L)
    val (index, item, result) = results.single { it.item() == 1 }
    assertThat(index).isZero()
    assertThat(item).isEqualTo(1)
    assertThat(result.getOrThrow()).isEqualTo(10)
    assertThat(results.single { it.item() == 1 }.attempts()).isEqualTo(3)
    assertThat(results.single { it.item() == 2 }.attempts()).isEqualTo(1)
  }

  @Test
  fun retryPolicy_flowAmapOrdered_keepsTheRetriedItemInPlace_evenANullResult() = runTest {
    val tries = IntArray(5)
    val results = (0 until 5).asFlow().amapOrdered(maxAtOnce = 2, options = runOptions { retry(exact) }) { item ->
      tries[item]++
      if (item == 0 && tries[item] == 1) throw IOException("once")
      if (item == 3) null else item
    }.toList()
    assertThat(results).containsExactly(0, 1, 2, null, 4)
    assertThat(tries.toList()).containsExactly(2, 1, 1, 1, 1)
  }

  @Test
  fun retryPolicy_runAll_waitsForARetryAfter() = runTest {
    var attempts = 0
    val results = runAll(
      listOf(suspend {
        attempts++
        if (attempts == 1) throw OverloadedException("429", JavaDuration.ofSeconds(2))
        currentTime
      }),
      options = runOptions { retry(exact) },
    )
    assertThat(results).containsExactly(2_000L)
  }

  @Test
  fun retryPolicy_attemptsSpent_throwsTheLastFailure() = runTest {
    var attempts = 0
    val failure = runCatching {
      runAll(listOf(suspend { throw IOException("attempt ${++attempts}") }), options = runOptions { retry(exact) })
    }.exceptionOrNull()
    assertThat(failure).isInstanceOf(IOException::class.java).hasMessage("attempt 4")
  }

  @Test
  fun retryPolicy_callerCancelledDuringBackoff_noAttemptStartsAgain() = runTest {
    // Given a body that always fails, with a backoff of 1 s
    var attempts = 0
    val job = launch {
      listOf(1).runOnEach(options = runOptions { retry(retryPolicy(maxAttempts = 5, initialDelay = 1.seconds, jitter = 0.0)) }) {
        attempts++
        throw IOException("no")
      }
    }
    advanceTimeBy(500)

    // When the caller is cancelled during the first backoff
    job.cancel(CancellationException("caller gave up"))
    job.join()
    advanceTimeBy(10_000)

    // Then the second attempt never started
    assertThat(attempts).isEqualTo(1)
  }

  @Test
  fun retryPolicy_aBodyCancellingItself_isNotRetried() = runTest {
    var attempts = 0
    val results = listOf(1).amapResults(options = runOptions { retry(retryPolicy(retryOn = { true })) }) {
      attempts++
      throw CancellationException("gave up by itself")
    }.toList()
    assertThat(attempts).isEqualTo(1)
    assertThat(results.single().outcome().failureOrNull()).isInstanceOf(java.util.concurrent.CancellationException::class.java)
  }

  @Test
  fun retryPolicy_badValues_throwNamingThem() {
    assertThatThrownBy { retryPolicy(maxAttempts = 0) }
      .isInstanceOf(IllegalArgumentException::class.java).hasMessage("maxAttempts must be >= 1, but was 0")
    assertThatThrownBy { retryPolicy(initialDelay = (-1).milliseconds) }
      .isInstanceOf(IllegalArgumentException::class.java).hasMessage("initialDelay must be a finite duration >= 0, but was -1ms")
    assertThatThrownBy { retryPolicy(initialDelay = 2.seconds, maxDelay = 1.seconds) }
      .isInstanceOf(IllegalArgumentException::class.java).hasMessage("maxDelay must be finite and >= initialDelay (2s), but was 1s")
    assertThatThrownBy { retryPolicy(jitter = 2.0) }
      .isInstanceOf(IllegalArgumentException::class.java).hasMessage("jitter must be in [0, 1], but was 2.0")
  }
}
