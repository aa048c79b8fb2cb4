package dev.meter.kotlin

import dev.meter.api.RunOptions
import dev.meter.api.TimeSource
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.seconds
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
    (1..40).map { i -> launch { (if (i % 2 == 0) first else second).begin(); begunAt += currentTime } }.joinAll()

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

    pacer.begin()
    shared.setMaxPerSecond(100.0)
    pacer.begin()
    pacer.begin()

    // The second start waits out the old interval, already booked (1 s); the third only the new one
    assertThat(currentTime).isEqualTo(1_010)
  }

  @Test
  fun awaitStart_fastRateWithBursts_wakesWaitingBodiesInGroupsOnSharedTimers() = runTest(timeout = 10.seconds) {
    // Given a run of 100,000 per second in bursts of 100, on a clock that counts its reads and timers
    val testTime = backgroundScope.asTimeSource()
    val reads = AtomicInteger()
    val timers = AtomicInteger()
    val counting = object : TimeSource {
      override fun read(): Long = testTime.read().also { reads.incrementAndGet() }
      override fun schedule(callback: Runnable, delayNanos: Long): TimeSource.Scheduled =
        testTime.schedule(callback, delayNanos).also { timers.incrementAndGet() }
    }
    val pacer = StartPacer.of(RunOptions.builder().limits(limits(maxPerSecond = 100_000.0, maxBurst = 100)).timeSource(counting).build())!!

    // When 400 bodies come at once
    val begunAt = mutableListOf<Long>()
    (1..400).map { launch { pacer.begin(); begunAt += counting.read() } }.joinAll()

    // Then the 300 beyond the burst wait on a few shared timers, a group of up to 50 each, not each on
    // its own or by asking again and again
    assertThat(begunAt).hasSize(400)
    assertThat(timers.get()).isLessThanOrEqualTo(12)
    assertThat(reads.get()).isLessThanOrEqualTo(400 * 4)
    // and at most 100 + ceil(w / 10 us) begin in any window of w
    for (windowNanos in listOf(1_000_000L, 2_000_000L)) {
      val most = begunAt.maxOf { from -> begunAt.count { it >= from && it < from + windowNanos } }
      assertThat(most.toLong()).`as`("bodies in %d ns", windowNanos).isLessThanOrEqualTo(100 + windowNanos / 10_000)
    }
  }

  @Test
  fun awaitStart_fastRateWithBurstsOfOneInVirtualTime_passesInVirtualTime() = runTest(timeout = 10.seconds) {
    // Given a pacer of 10,000 per second in bursts of 1, whose bodies wait under a millisecond each
    val time = backgroundScope.asTimeSource()
    val pacer = StartPacer.of(RunOptions.builder().limits(limits(maxPerSecond = 10_000.0, maxBurst = 1)).timeSource(time).build())!!

    // When 50 bodies come at once
    val begunAt = mutableListOf<Long>()
    (1..50).map { launch { pacer.begin(); begunAt += time.read() } }.joinAll()

    // Then they begin (a body waiting by yielding would keep the test clock from moving), at most
    // 1 + ceil(w / 100 us) in any window of w
    assertThat(begunAt).hasSize(50)
    for (windowNanos in listOf(1_000_000L, 3_000_000L)) {
      val most = begunAt.maxOf { from -> begunAt.count { it >= from && it < from + windowNanos } }
      assertThat(most.toLong()).`as`("bodies in %d ns", windowNanos).isLessThanOrEqualTo(1 + windowNanos / 100_000)
    }
  }
}

/** A body's start through this pacer as a task's would go: granted, awaited, then begun. */
private suspend fun StartPacer.begin() {
  granting()
  try {
    val now = now()
    if (!tryStart(now)) awaitStart(now)
  } finally {
    grantDone()
  }
}
