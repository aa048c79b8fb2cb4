package dev.meter.kotlin

import java.util.concurrent.atomic.AtomicInteger
import kotlin.random.Random
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** The baton that lets one body at a time yield for a gate. */
class SpinBatonTest {

  @Test
  fun hold_manyBodiesWithRandomCancels_oneHoldsAtATimeAndNoneIsLeftWaiting() = runBlocking(Dispatchers.Default) {
    repeat(200) { round ->
      // Given one baton and 32 bodies on two threads, a third of them cancelled at random moments
      val baton = SpinBaton()
      val holding = AtomicInteger()
      val most = AtomicInteger()
      val finished = AtomicInteger()
      val random = Random(round)

      // When each holds it for a few yields
      withTimeout(10_000) {
        coroutineScope {
          val bodies = (1..32).map {
            launch {
              baton.hold {
                most.accumulateAndGet(holding.incrementAndGet(), ::maxOf)
                try {
                  repeat(random.nextInt(3)) { yield() }
                } finally {
                  holding.decrementAndGet()
                }
              }
              finished.incrementAndGet()
            }
          }
          val cancelled = bodies.shuffled(random).take(10)
          delay(random.nextLong(2))
          cancelled.forEach { it.cancelAndJoin() }
          bodies.joinAll()
        }
      }

      // Then no two held it at once, and every body not cancelled got it (none waits for a lost baton)
      assertThat(most.get()).`as`("holders at once in round %d", round).isEqualTo(1)
      assertThat(finished.get()).`as`("bodies through in round %d", round).isGreaterThanOrEqualTo(22)
    }
  }
}
