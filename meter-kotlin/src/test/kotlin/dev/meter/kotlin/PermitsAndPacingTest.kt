package dev.meter.kotlin

import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.junit.jupiter.api.Test

/** A limiter used anywhere, one block at a time, and a flow paced by a rate: the same engine and limiters. */
@OptIn(ExperimentalCoroutinesApi::class)
class PermitsAndPacingTest {

  @Test
  fun withPermit_twoCallersOneSlot_runOneAfterTheOtherAndReturnTheirValues() = runTest {
    // Given one slot on the test clock
    val pool = sharedLimiter(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())

    // When two callers each hold it for a second
    val first = async { pool.withPermit { delay(1.seconds); "first at ${currentTime - 1_000}" } }
    val second = async { pool.withPermit { delay(1.seconds); "second at ${currentTime - 1_000}" } }

    // Then the second began when the first gave the slot back
    assertThat(listOf(first.await(), second.await())).containsExactly("first at 0", "second at 1000")
    assertThat(pool.stats().succeeded()).isEqualTo(2)
  }

  @Test
  fun withPermit_blockFails_rethrowsItAndGivesThePermitBack() = runTest {
    val pool = sharedLimiter(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())

    val failure = runCatching { pool.withPermit<Unit> { error("broken") } }.exceptionOrNull()
    assertThat(failure).hasMessage("broken")

    assertThat(pool.withPermit { "again" }).isEqualTo("again")
    assertThat(pool.stats().running()).isZero()
  }

  @Test
  fun withPermit_cancelledWhileWaiting_leavesTheLimiterAsIfItNeverAsked() = runTest {
    val pool = sharedLimiter(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())
    val holder = launch { pool.withPermit { delay(10.seconds) } }
    runCurrent()
    val waiter = launch { pool.withPermit { error("never runs") } }
    runCurrent()

    waiter.cancel()
    holder.join()

    assertThat(pool.stats().started()).isEqualTo(1)
    assertThat(pool.stats().waiting()).isZero()
  }

  @Test
  fun pace_rateOfTwoPerSecond_letsElementsThroughInOrderAtTheRate() = runTest {
    val passedAt = mutableListOf<Long>()

    val values = (1..5).asFlow().pace(maxPerSecond = 2.0).onEach { passedAt += currentTime }.map { it * 10 }.toList()

    assertThat(values).containsExactly(10, 20, 30, 40, 50)
    assertThat(passedAt).containsExactly(0L, 500L, 1_000L, 1_500L, 2_000L)
  }

  @Test
  fun pace_noLimit_throwsNamingWhatIsMissing() {
    assertThatThrownBy { (1..3).asFlow().pace() }
      .isInstanceOf(IllegalArgumentException::class.java)
      .hasMessage("pace needs a rate (maxPerSecond, or limits with a rate) or a limiter, but none was given")
  }

  @Test
  fun acquire_heldPermit_countsWithTheRunsOfItsLimiter() = runTest {
    // Given one slot, held by acquire()
    val pool = sharedLimiter(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())
    val permit = pool.acquire()
    var ranAt = -1L

    // When a run through the same limiter wants it, and the permit is released after 5 s
    val run = launch { listOf(1).runOnEach(limiter = pool) { ranAt = currentTime } }
    delay(5.seconds)
    assertThat(ranAt).isEqualTo(-1L)
    permit.release()
    run.join()

    // Then the run started only then, and the limiter counted both
    assertThat(ranAt).isEqualTo(5_000L)
    assertThat(pool.stats().started()).isEqualTo(2)
    assertThat(pool.stats().running()).isZero()
  }

  @Test
  fun acquire_rate_waitsInVirtualTime() = runTest {
    val api = sharedLimiter(maxPerSecond = 1.0, timeSource = backgroundScope.asTimeSource())

    repeat(3) { api.acquire().release() }

    assertThat(currentTime).isEqualTo(2_000)
  }

  @Test
  fun acquire_cancelledWhileWaiting_leavesTheLimiterAsIfItNeverAsked() = runTest {
    val pool = sharedLimiter(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())
    val held = pool.acquire()
    val waiter = launch { pool.acquire() }
    runCurrent()

    waiter.cancel()
    held.release()

    assertThat(pool.stats().started()).isEqualTo(1)
    assertThat(pool.stats().waiting()).isZero()
    pool.acquire().release()  // the slot is free
  }

  @Test
  fun acquire_callerFailsWhileHolding_givesThePermitBack() = runTest {
    val pool = sharedLimiter(maxAtOnce = 1, timeSource = backgroundScope.asTimeSource())

    val failed = runCatching { coroutineScope { pool.acquire(); error("lost before release") } }.exceptionOrNull()

    assertThat(failed).hasMessage("lost before release")
    assertThat(pool.stats().running()).isZero()
  }
}
