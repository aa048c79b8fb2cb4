package dev.meter.kotlin

import kotlin.time.Duration.Companion.minutes
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * Under runTest, rate waits pass in the test scheduler's virtual time: these tests would need minutes
 * of real time otherwise, and runTest's own timeout (10 s of real time) would fail them.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class VirtualTimeRateTest {

  @Test
  fun amap_hundredStartsAtOnePerSecond_takeNinetyNineVirtualSeconds() = runTest {
    // Given 100 items at 1 start per second (burst 1)
    val startedAt = mutableListOf<Long>()

    // When they flow through amap
    val results = (1..100).asFlow().amap(maxPerSecond = 1.0) { i -> startedAt += currentTime; i }.toList()

    // Then the first starts at once, each next one second later: 99 s of virtual time
    assertThat(results).hasSize(100)
    assertThat(startedAt.first()).isZero()
    assertThat(currentTime).isEqualTo(99_000)
    assertThat(startedAt.zipWithNext { a, b -> b - a }).allMatch { it == 1_000L }
  }

  @Test
  fun runOnEach_rateWithBurst_staysInsideTheGcraEnvelope() = runTest {
    // Given 10 per second with bursts of 3
    val startedAt = mutableListOf<Long>()

    (1..50).toList().runOnEach(limits = limits(maxPerSecond = 10.0, maxBurst = 3)) { startedAt += currentTime }

    // Then in every window of w ms at most 3 + ceil(w * 10 / 1000) starts
    for (window in listOf(1L, 100L, 250L, 1_000L, 3_000L)) {
      val most = startedAt.indices.maxOf { i -> startedAt.count { it >= startedAt[i] && it < startedAt[i] + window } }
      assertThat(most).`as`("starts in a %d ms window", window).isLessThanOrEqualTo(3 + ((window * 10 + 999) / 1_000).toInt())
    }
    // And the long run keeps the rate: 3 at once, then 47 more at 100 ms each
    assertThat(currentTime).isEqualTo(4_700)
  }

  @Test
  fun runOnEach_ratePerMinute_waitsInVirtualMinutes() = runTest {
    val startedAt = mutableListOf<Long>()

    listOf("a", "b", "c").runOnEach(limits = limits(rate = rate(2.0, per = 1.minutes))) { startedAt += currentTime }

    assertThat(startedAt).containsExactly(0L, 30_000L, 60_000L)
  }
}
