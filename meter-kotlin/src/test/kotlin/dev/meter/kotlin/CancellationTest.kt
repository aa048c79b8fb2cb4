package dev.meter.kotlin

import dev.meter.core.Meter
import dev.meter.api.RunOptions
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** Cancellation crosses the bridge both ways, and failures arrive unwrapped. */
class CancellationTest {

  @Test
  fun collectorCancelled_cancelsTheRunAndEveryTask(): Unit = runBlocking {
    // Given a flow whose tasks never finish on their own, collected on real threads
    val probe = Probe()
    val fourStarted = CompletableDeferred<Unit>()
    val collector = launch(Dispatchers.Default) {
      (1..100).asFlow().amap(maxAtOnce = 4) { i ->
        probe.track(i) {
          if (probe.started.size == 4) fourStarted.complete(Unit)
          awaitCancellation()
        }
      }.collect()
    }
    fourStarted.await()

    // When the collector is cancelled
    collector.cancelAndJoin()

    // Then every started task ended, none is running, and no more were started
    assertThat(probe.started).hasSize(4)
    assertThat(probe.ended).isEqualTo(probe.started)
    assertThat(probe.active.get()).isZero()
  }

  @Test
  fun takeFromAmap_stopsTheRunAndCancelsTheRest(): Unit = runBlocking {
    val probe = Probe()

    val firstTwo = withContext(Dispatchers.Default) {
      (1..100).asFlow().amap(maxAtOnce = 5) { i ->
        probe.track(i) { if (i > 2) awaitCancellation() else i }
      }.take(2).toList()
    }

    assertThat(firstTwo).containsExactlyInAnyOrder(1, 2)
    assertThat(probe.active.get()).isZero()
    assertThat(probe.ended).isEqualTo(probe.started)
  }

  @Test
  fun javaRunClosed_cancelsTheKotlinCoroutines(): Unit = runBlocking {
    // Given a Java amap whose tasks are Kotlin suspend functions, children of this scope on real threads
    val probe = Probe()
    val allStarted = CompletableDeferred<Unit>()
    coroutineScope {
      val tasks = CoroutineScope(coroutineContext + Dispatchers.Default).asAsyncTask { i: Int ->
        probe.track(i) {
          if (probe.started.size == 3) allStarted.complete(Unit)
          awaitCancellation()
        }
      }
      val amap = Meter.with(RunOptions.builder().maxAtOnce(3).build()).amap((1..10).toList(), tasks)
      CompletableFuture.runAsync { amap.iterator() }.get(10, TimeUnit.SECONDS)
      allStarted.await()

      // When Java closes the run
      withContext(Dispatchers.IO) { amap.close() }
      // (close() returns once the tasks' futures are cancelled; future {} completes its future at
      // once and the coroutine ends right after, so this scope is where one waits for them)
    }

    // Then the coroutines were cancelled: the scope could end, and every started task has ended
    assertThat(probe.started).hasSize(3)
    assertThat(probe.ended).isEqualTo(probe.started)
    assertThat(probe.active.get()).isZero()
  }

  @Test
  fun failingTask_failsTheFlowWithItsOwnExceptionUnwrapped(): Unit = runBlocking {
    val thrown = runCatching {
      (1..10).asFlow().amap(maxAtOnce = 2) { i ->
        delay(1)
        if (i == 3) throw IllegalStateException("item 3 failed")
        i
      }.toList()
    }.exceptionOrNull()

    assertThat(thrown).isExactlyInstanceOf(IllegalStateException::class.java).hasMessage("item 3 failed")
  }

  @Test
  fun failingTask_failsRunAllAndRunOnEachUnwrapped(): Unit = runBlocking {
    class Boom : RuntimeException("boom")

    val fromRunAll = runCatching { runAll({ 1 }, { throw Boom() }) }.exceptionOrNull()
    val fromRunOnEach = runCatching { listOf(1, 2).runOnEach { if (it == 2) throw Boom() } }.exceptionOrNull()
    val fromFirst = runCatching { listOf(1).amap<Int, Int> { throw Boom() }.first() }.exceptionOrNull()

    assertThat(fromRunAll).isInstanceOf(Boom::class.java)
    assertThat(fromRunOnEach).isInstanceOf(Boom::class.java)
    assertThat(fromFirst).isInstanceOf(Boom::class.java)
  }
}
