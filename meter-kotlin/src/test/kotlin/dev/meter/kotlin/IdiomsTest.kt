package dev.meter.kotlin

import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** Kotlin's own types where a Kotlin caller reaches for them. */
@OptIn(ExperimentalCoroutinesApi::class)
class IdiomsTest {

  @Test
  fun sharedLimiter_onTheTestClock_pausesForAKotlinDurationInVirtualTime() = runTest {
    // Given a limiter on runTest's clock, paused for 30 s with a kotlin.time.Duration
    val api = sharedLimiter(maxPerSecond = 1.0, timeSource = backgroundScope.asTimeSource())
    api.pauseFor(30.seconds)
    val startedAt = mutableListOf<Long>()

    // When three tasks go through it
    listOf(1, 2, 3).runOnEach(limiter = api) { startedAt += currentTime }

    // Then the first waits out the pause, the others follow at the rate, all in virtual time
    assertThat(startedAt).containsExactly(30_000L, 31_000L, 32_000L)
  }

  @Test
  fun keyedLimiter_pauseForOneKey_takesAKotlinDuration() = runTest {
    val perHost = keyedLimiter<String>(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())
    perHost.pauseFor("slow.example", 5.seconds)
    val startedAt = mutableMapOf<String, Long>()

    listOf("slow.example", "fast.example").runOnEach(limiter = perHost.by { host: String -> host }) { startedAt[it] = currentTime }

    assertThat(startedAt).containsEntry("fast.example", 0L).containsEntry("slow.example", 5_000L)
  }

  @Test
  fun itemResult_destructures_intoIndexItemAndResult() = runTest {
    val lines = flowOf("a", "bad").amapOrderedResults { check(it != "bad") { "no $it" }; it.uppercase() }
      .toList()
      .map { (index, item, result) -> "$index $item ${result.getOrNull() ?: result.exceptionOrNull()?.message}" }

    assertThat(lines).containsExactly("0 a A", "1 bad no bad")
  }

  @Test
  fun keyedLimiter_overAFlow_getsTheItemsThemselves() = runTest {
    // Given a keyed limiter whose key function takes the flow's own items
    val perHost = keyedLimiter<String>(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())
    val seen = mutableListOf<String>()

    // When a flow runs through it
    flowOf("a.example/1", "b.example/2").runOnEach(limiter = perHost.by { url: String -> url.substringBefore('/') }) { seen += it }

    // Then the key function got each URL (not a wrapper the bridge carries it in)
    assertThat(seen).containsExactlyInAnyOrder("a.example/1", "b.example/2")
  }
}
