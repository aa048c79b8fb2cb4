package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.Rate
import dev.meter.api.RunOptions
import dev.meter.api.event.StatsRecorder
import dev.meter.api.TaskTimeoutException
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.async
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.conflate
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.test.advanceTimeBy
import kotlin.time.Duration.Companion.hours
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** The options not covered elsewhere: timeout, captured failures, base RunOptions, Kotlin-built limiters. */
@OptIn(ExperimentalCoroutinesApi::class)
class OptionsTest {

  @Test
  fun limits_oneValue_namedLimitsOverrideItsParts() = runTest {
    // Given limits of 2 at once and 1 start per second in bursts of 2, with maxAtOnce raised to 3 by name
    val starts = mutableListOf<Long>()
    var running = 0
    var peak = 0
    (1..5).toList().runOnEach(limits = Limits.of(2, Rate.perSecond(1.0), 2), maxAtOnce = 3) {
      starts += currentTime
      running++
      peak = maxOf(peak, running)
      delay(10.seconds)
      running--
    }

    // Then the burst of 2 starts at 0, one more a second later (three at once), and the last two when
    // the first two end, by when the burst has refilled
    assertThat(starts).containsExactly(0L, 0L, 1_000L, 10_000L, 10_000L)
    assertThat(peak).isEqualTo(3)
  }

  @Test
  fun sharedLimiter_limitsValue_isTheLimiterLimits() {
    val limiter = sharedLimiter(limits = Limits.of(4, Rate.perSecond(10.0), 3), maxAtOnce = 2)

    assertThat(limiter.limits()).isEqualTo(Limits.of(2, Rate.perSecond(10.0), 3))
  }

  @Test
  fun taskTimeout_slowTask_failsWithTheTimeoutInVirtualTime() = runTest {
    // Given a task that would take 10 s and a timeout of 1 s
    val thrown = runCatching {
      listOf("slow").runOnEach(options = runOptions { taskTimeout(1.seconds) }) { delay(10.seconds) }
    }.exceptionOrNull()

    // Then it is cancelled after 1 virtual second and fails naming its index
    assertThat(thrown).isInstanceOf(TaskTimeoutException::class.java).hasMessage("task 0 timed out after PT1S")
    assertThat(currentTime).isEqualTo(1_000)
  }

  @Test
  fun amap_bufferAfter_fusesIntoTheRunsBuffer() = runTest {
    // Given a collector stuck on its first result, 2 at once, and buffer(n) right after amap
    for ((size, expected) in listOf(0 to 3, 1 to 3, 4 to 5, 16 to 17)) {
      val started = java.util.concurrent.atomic.AtomicInteger()
      val collector = launch {
        (1..1_000).toList().amap(maxAtOnce = 2) { i -> started.incrementAndGet(); i }
          .buffer(size)
          .collect { delay(1.hours) }
      }
      advanceTimeBy(1_000)
      collector.cancelAndJoin()

      // Then the run holds the buffer asked for (two at least) besides the one in the collector's
      // hands, with no channel of 64 behind it
      assertThat(started.get()).`as`("buffer(%d)", size).isEqualTo(expected)
    }
  }

  @Test
  fun amap_conflateAndFlowOnAfter_stillDeliver() = runTest {
    val conflated = (1..5).toList().amapOrdered(maxAtOnce = 1) { it }.conflate().toList()
    val moved = (1..5).toList().amapOrdered(maxAtOnce = 2) { it * 2 }.flowOn(CoroutineName("elsewhere")).toList()

    assertThat(conflated).contains(5)
    assertThat(moved).containsExactly(2, 4, 6, 8, 10)
  }

  @Test
  fun options_baseRunOptions_applyAndNamedParametersOverrideThem() = runTest {
    // Given base options with a listener and maxAtOnce 1, overridden to 2 by the named parameter
    val stats = StatsRecorder()
    val base = RunOptions.builder().maxAtOnce(1).listener(stats).build()
    val probe = Probe()

    val results = (1..6).toList().amap(maxAtOnce = 2, options = base) { i -> probe.track(i) { delay(1.seconds); i } }.toList()

    assertThat(results).hasSize(6)
    assertThat(probe.peak.get()).isEqualTo(2)
    assertThat(stats.snapshot().succeeded()).isEqualTo(6)
    assertThat(currentTime).isEqualTo(3_000)
  }

  @Test
  fun sharedLimiter_builtInKotlin_limitsTwoFlowsTogether() = runTest {
    // Given one limiter of 2 at once, built with the Kotlin helper
    val limiter = sharedLimiter(maxAtOnce = 2)
    val probe = Probe()
    val task: suspend (Int) -> Int = { i -> probe.track(i) { delay(1.seconds); i } }

    // When two flows of 3 items run at the same time through it
    val both = kotlinx.coroutines.coroutineScope {
      val first = async { (1..3).asFlow().amap(limiter = limiter, task = task).toList() }
      val second = async { (4..6).asFlow().amap(limiter = limiter, task = task).toList() }
      first.await() + second.await()
    }

    // Then never more than 2 ran at once over both
    assertThat(both).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6)
    assertThat(probe.peak.get()).isEqualTo(2)
    assertThat(currentTime).isEqualTo(3_000)
    assertThat(limiter.stats().started()).isEqualTo(6)
  }

  @Test
  fun keyedLimiter_builtInKotlin_limitsEachKeyOnItsOwn() = runTest {
    val perHost = keyedLimiter<String>(maxAtOnce = 1)
    val probe = Probe()

    listOf("a/1", "a/2", "b/1", "b/2").runOnEach(limiter = perHost.by { url: String -> url.substringBefore('/') }) { url ->
      probe.track(url) { delay(1.seconds) }
    }

    assertThat(probe.peak.get()).isEqualTo(2)
    assertThat(currentTime).isEqualTo(2_000)
  }
}
