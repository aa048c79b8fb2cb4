package dev.meter.kotlin

import dev.meter.api.RunOptions
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * The pacer that holds a rate envelope where bodies begin, whatever their dispatcher did to them. Its
 * callers here come all at once, as bodies that a dispatcher held back and then ran in a bunch.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class StartPacerTest {

  @Test
  fun awaitStart_bodiesOfTwoRunsThroughOneSharedLimiter_beginInsideItsEnvelope() = runTest {
    // Given two runs through one shared limiter of 10 per second in bursts of 3, and no rate of their own
    val shared = sharedLimiter(limits = limits(maxPerSecond = 10.0, maxBurst = 3))
    val time = backgroundScope.asTimeSource()
    val options = RunOptions.builder().limiter(shared).timeSource(time).build()
    val first = StartPacer.of(options)!!
    val second = StartPacer.of(options)!!

    // When 20 bodies of each come at the same instant
    val begunAt = mutableListOf<Long>()
    (1..40).map { i -> launch { (if (i % 2 == 0) first else second).awaitStart(); begunAt += currentTime } }.joinAll()

    // Then, the two runs together, at most 3 + ceil(w * 10/s) begin in any window of w ms
    for (window in listOf(1L, 100L, 250L, 1_000L)) {
      val most = begunAt.maxOf { from -> begunAt.count { it >= from && it < from + window } }
      assertThat(most).`as`("bodies in a %d ms window", window).isLessThanOrEqualTo(3 + ((window * 10 + 999) / 1_000).toInt())
    }
    assertThat(begunAt).hasSize(40)
  }

  @Test
  fun awaitStart_sharedLimiterGivenANewRate_followsIt() = runTest {
    val shared = sharedLimiter(maxPerSecond = 1.0)
    val pacer = StartPacer.of(RunOptions.builder().limiter(shared).timeSource(backgroundScope.asTimeSource()).build())!!

    pacer.awaitStart()
    shared.setMaxPerSecond(100.0)
    pacer.awaitStart()
    pacer.awaitStart()

    // The second start waits out the old interval, already booked (1 s); the third only the new one
    assertThat(currentTime).isEqualTo(1_010)
  }
}
