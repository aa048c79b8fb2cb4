package dev.meter.kotlin

import dev.meter.api.TimeSource
import dev.meter.api.event.MeterListener
import dev.meter.api.event.TaskEvent
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * The engine grants a Kotlin run's starts as its gates will let the bodies begin ([StartGrants]), so
 * that bodies do not wait in a gate holding their slots.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class StartGrantsTest {

  @Test
  fun runOnEach_bodiesBegunLate_laterBodiesDoNotWaitInTheGate() = runTest {
    // Given a run of 1,000 per second in bursts of 20, 16 at once, on a clock that one body moves on by
    // 50 ms at once: the bodies granted before it begin 50 ms after their grant, as after a preemption
    val testTime = backgroundScope.asTimeSource()
    var skew = 0L
    val time = object : TimeSource {
      override fun read(): Long = testTime.read() + skew
      override fun schedule(callback: Runnable, delayNanos: Long): TimeSource.Scheduled = testTime.schedule(callback, delayNanos)
    }
    val granted = AtomicInteger()
    val counting = object : MeterListener {
      override fun onStarted(event: TaskEvent) {
        granted.incrementAndGet()
      }
    }
    val begun = AtomicInteger()
    var mostGrantedNotBegun = 0

    // When its bodies run
    (1..300).toList().runOnEach(
      limits = limits(maxAtOnce = 16, maxPerSecond = 1_000.0, maxBurst = 20),
      options = runOptions { timeSource(time); listener(counting) },
    ) { i ->
      val self = begun.incrementAndGet()
      if (i == 5) skew += 50_000_000
      if (i > 100) mostGrantedNotBegun = maxOf(mostGrantedNotBegun, granted.get() - self)
    }

    // Then later bodies find hardly any other granted and not yet begun: they are not kept waiting in
    // the gate behind a schedule the late bodies moved on, each holding one of the 16 slots (11 did)
    assertThat(begun.get()).isEqualTo(300)
    assertThat(mostGrantedNotBegun).isLessThanOrEqualTo(2)
  }

  @Test
  fun runOnEach_runsSharingALimiter_takeTurnsToGrantGroups() = runTest {
    // Given four runs through one shared limiter of 10,000 per second in bursts of 20 (groups of 10,
    // one a millisecond), on a clock that counts the runs' timers
    val testTime = backgroundScope.asTimeSource()
    val timers = AtomicInteger()
    val counting = object : TimeSource {
      override fun read(): Long = testTime.read()
      override fun schedule(callback: Runnable, delayNanos: Long): TimeSource.Scheduled =
        testTime.schedule(callback, delayNanos).also { timers.incrementAndGet() }
    }
    val shared = sharedLimiter(limits = limits(maxPerSecond = 10_000.0, maxBurst = 20), timeSource = testTime)
    val begunAt = ConcurrentLinkedQueue<Long>()

    // When each runs 250 items
    (0 until 4).map { launch { (1..250).toList().runOnEach(limiter = shared, options = runOptions { timeSource(counting) }) { begunAt += testTime.read() } } }.joinAll()

    // Then the runs wake in turns, about one wake-up per group of 10 starts in all (a run woken
    // for every group, whether another had taken it or not, would set four times as many), and
    // together they keep the envelope: at most 20 + ceil(w / 100 us) begin in any window of w
    assertThat(begunAt).hasSize(1_000)
    assertThat(timers.get()).isLessThanOrEqualTo(150)
    val starts = begunAt.sorted()
    for (windowNanos in listOf(1_000_000L, 5_000_000L)) {
      val most = starts.maxOf { from -> starts.count { it >= from && it < from + windowNanos } }
      assertThat(most.toLong()).`as`("bodies in %d ns", windowNanos).isLessThanOrEqualTo(20 + windowNanos / 100_000)
    }
  }
}
