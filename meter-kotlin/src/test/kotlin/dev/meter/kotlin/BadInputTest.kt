package dev.meter.kotlin

import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** Bad options fail with a message naming the parameter and its value, before any task starts. */
class BadInputTest {
  private var started = 0

  private suspend fun attempt(call: suspend () -> Unit): Throwable? = runCatching { call() }.exceptionOrNull()

  @Test
  fun badOptions_failBeforeAnyTaskStarts(): Unit = runBlocking {
    val items = listOf(1, 2, 3)
    val task: suspend (Int) -> Unit = { started++ }
    val cases = mapOf(
      "maxAtOnce must be >= 1, but was 0" to suspend { items.runOnEach(maxAtOnce = 0, task = task) },
      "maxPerSecond must be a finite number > 0, but was NaN" to suspend { items.runOnEach(maxPerSecond = Double.NaN, task = task) },
      "maxBurst must be >= 1, but was -1" to suspend { items.runOnEach(limits = limits(maxPerSecond = 1.0, maxBurst = -1), task = task) },
      "give the rate as maxPerSecond or as rate, not both" to
        suspend { items.runOnEach(limits = limits(maxPerSecond = 1.0, rate = rate(5.0, per = 1.seconds)), task = task) },
      "per must be a finite positive duration, but was 0s" to suspend { items.runOnEach(limits = limits(rate = rate(5.0, per = Duration.ZERO)), task = task) },
      "per must be a finite positive duration, but was Infinity" to suspend { items.runOnEach(limits = limits(rate = rate(5.0, per = Duration.INFINITE)), task = task) },
      "permits must be a finite number > 0, but was 0.0" to suspend { items.runOnEach(limits = limits(rate = rate(0.0, per = 1.seconds)), task = task) },
      "taskTimeout must be a finite positive duration, but was -1s" to suspend { items.runOnEach(options = runOptions { taskTimeout((-1).seconds) }, task = task) },
      "maxAtOnce must be >= 1, but was -5" to suspend { items.amap(maxAtOnce = -5) { it }.toList(); Unit },
      "maxAtOnce must be >= 1, but was 0" to suspend { runAll({ started++ }, maxAtOnce = 0); Unit },
    )
    for ((message, call) in cases) {
      assertThat(attempt(call)).`as`(message).isInstanceOf(IllegalArgumentException::class.java).hasMessageContaining(message)
    }
    assertThat(started).isZero()
  }
}
