package dev.meter.kotlin

import dev.meter.api.RunOptions
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.test.advanceTimeBy
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.resetMain
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import kotlinx.coroutines.test.setMain
import kotlinx.coroutines.withContext
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/**
 * What a kotlinx.coroutines user expects of the bridge, each a defect found on 2026-11-23: bodies run in
 * parallel, a slot is free only when its coroutine has ended, the source flow ends before the call
 * returns, a collector gets the buffer it asked for, and virtual time reaches code on `Dispatchers.Main`.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class BridgeBehaviourTest {

  /**
   * Bodies that block until [n] of them are alive at once (or one gave up after 2 s): the peak says
   * whether they ran in parallel, without timing anything.
   */
  private class Rendezvous(private val n: Int) {
    private val arrived = CountDownLatch(n)
    private val gaveUp = AtomicBoolean()
    private val alive = AtomicInteger()
    val peak = AtomicInteger()

    fun meet() {
      peak.accumulateAndGet(alive.incrementAndGet(), Math::max)
      try {
        arrived.countDown()
        if (!gaveUp.get() && !arrived.await(2, TimeUnit.SECONDS)) {
          gaveUp.set(true)
        }
      } finally {
        alive.decrementAndGet()
      }
    }
  }

  @Test
  fun runOnEach_blockingBodiesOnIO_runInParallel(): Unit = runBlocking {
    val bodies = Rendezvous(16)
    withContext(Dispatchers.IO) { (1..16).toList().runOnEach(maxAtOnce = 16) { bodies.meet() } }
    assertThat(bodies.peak).hasValue(16)
  }

  @Test
  fun amapAndRunAll_blockingBodiesOnIO_runInParallel(): Unit = runBlocking {
    val mapped = Rendezvous(8)
    withContext(Dispatchers.IO) { (1..8).toList().amap(maxAtOnce = 8) { mapped.meet() }.collect() }
    assertThat(mapped.peak).hasValue(8)

    val called = Rendezvous(4)
    withContext(Dispatchers.IO) { runAll({ called.meet() }, { called.meet() }, { called.meet() }, { called.meet() }) }
    assertThat(called.peak).hasValue(4)
  }

  @Test
  fun runOnEach_cpuBoundBodiesOnDefault_useTwoThreads(): Unit = runBlocking {
    val bodies = Rendezvous(2)
    withContext(Dispatchers.Default) { (1..2).toList().runOnEach(maxAtOnce = 2) { bodies.meet() } }
    assertThat(bodies.peak).hasValue(2)
  }

  /** A source whose `finally` takes 50 ms of (virtual) time and then marks it closed. */
  private fun closingSource(closed: AtomicBoolean): Flow<Int> = flow {
    try {
      for (i in 1..1_000) emit(i)
    } finally {
      withContext(NonCancellable) { delay(50.milliseconds) }
      closed.set(true)
    }
  }

  @Test
  fun amapFirst_sourceHasEndedWhenItReturns() = runTest {
    val closed = AtomicBoolean()
    val first = closingSource(closed).amap(maxAtOnce = 2) { it }.first()
    assertThat(first).isIn(1, 2)
    assertThat(closed).`as`("the source's finally ran before first() returned").isTrue()
  }

  @Test
  fun amapTake_failFastAndCallerCancel_sourceHasEndedWhenTheCallEnds() = runTest {
    val taken = AtomicBoolean()
    closingSource(taken).amap(maxAtOnce = 2) { it }.take(3).toList()
    assertThat(taken).`as`("take(3)").isTrue()

    val failed = AtomicBoolean()
    val failure = runCatching { closingSource(failed).runOnEach(maxAtOnce = 2) { check(it < 5) { "item $it" } } }.exceptionOrNull()
    assertThat(failure).hasMessage("item 5")
    assertThat(failed).`as`("a fail-fast failure").isTrue()

    val cancelled = AtomicBoolean()
    val caller = launch { closingSource(cancelled).runOnEach(maxAtOnce = 2) { delay(1.hours) } }
    runCurrent()
    caller.cancelAndJoin()
    assertThat(cancelled).`as`("the caller cancelled").isTrue()
  }

  @Test
  fun amapResults_timedOutTask_holdsItsSlotUntilItsCoroutineEnds() = runTest {
    // Given one slot and tasks that outlive their 100 ms timeout by a 300 ms cleanup
    val probe = Probe()
    (1..3).toList().amapResults(maxAtOnce = 1, options = runOptions { taskTimeout(100.milliseconds) }) { i ->
      probe.track(i) {
        try {
          delay(1_000)
        } finally {
          withContext(NonCancellable) { delay(300) }
        }
      }
    }.collect()
    // Then no two bodies were ever alive at once, and each slot was held 400 ms
    assertThat(probe.peak).hasValue(1)
    assertThat(probe.ended).containsExactlyInAnyOrder(1, 2, 3)
    assertThat(currentTime).isEqualTo(1_200)
  }

  @Test
  fun sharedLimiter_otherRunCancelled_itsSlotIsFreeOnlyWhenItsCoroutineEnds() = runTest {
    val limiter = sharedLimiter(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())
    val probe = Probe()
    val first = launch {
      listOf(1).runOnEach(limiter = limiter) { i ->
        probe.track(i) { try { delay(1.hours) } finally { withContext(NonCancellable) { delay(300) } } }
      }
    }
    runCurrent()
    val second = launch { listOf(2).runOnEach(limiter = limiter) { i -> probe.track(i) { delay(10) } } }
    runCurrent()
    first.cancel()
    advanceTimeBy(100)
    assertThat(probe.started).`as`("the second waits while the first's cleanup runs").containsExactly(1)
    second.join()
    assertThat(probe.peak).hasValue(1)
  }

  @Test
  fun amap_collectorStuck_startsNoMoreThanTheBufferAndTheSlots() = runTest {
    // Given a buffer of 4 results, 2 at once, and a collector stuck on its first result
    val started = AtomicInteger()
    val collector = launch {
      (1..1_000).toList().amap(maxAtOnce = 2, options = RunOptions.builder().bufferSize(4).build()) { started.incrementAndGet() }
        .collect { delay(1.hours) }
    }
    advanceTimeBy(1_000)
    // Then about buffer + slots + one being handed over have started, not a hidden channel's 64 more
    assertThat(started.get()).isBetween(4, 8)
    collector.cancelAndJoin()
  }

  @Test
  fun runOnEach_onATestMainDispatcher_runsInVirtualTime() = runTest {
    Dispatchers.setMain(StandardTestDispatcher(testScheduler))
    try {
      val startedAt = mutableListOf<Long>()
      withContext(Dispatchers.Main) {
        listOf(1, 2, 3).runOnEach(maxPerSecond = 1.0) { startedAt += testScheduler.currentTime }
      }
      assertThat(startedAt).containsExactly(0L, 1_000L, 2_000L)
    } finally {
      Dispatchers.resetMain()
    }
  }
}
