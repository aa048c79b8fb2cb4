package dev.meter.kotlin

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.collect
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.onEach
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.launch
import kotlinx.coroutines.test.runCurrent
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** Kotlin sources are pulled lazily too: an item is taken only when its task may start. */
@OptIn(ExperimentalCoroutinesApi::class)
class LazySourceTest {

  @Test
  fun sequenceAndFlow_tasksHeld_onlyAsManyItemsTakenAsMayStartPlusOne() = runTest {
    for (kind in listOf("sequence", "flow")) {
      // Given an endless source that counts what is taken, and tasks that wait for a gate
      var taken = 0
      val gate = CompletableDeferred<Unit>()
      val task: suspend (Int) -> Int = { i -> gate.await(); i }
      val results = when (kind) {
        "sequence" -> generateSequence(0) { it + 1 }.onEach { taken++ }.asIterable().amap(maxAtOnce = 2, task = task)
        else -> flow { var i = 0; while (true) emit(i++) }.onEach { taken++ }.amap(maxAtOnce = 2, task = task)
      }

      // When the flow is collected until 5 results, with the tasks held at first
      val collecting = launch { results.take(5).collect() }
      runCurrent()

      // Then two items are running, and at most one more was taken ahead of its start
      assertThat(taken).`as`(kind).isBetween(2, 3)
      gate.complete(Unit)
      collecting.join()
    }
  }
}
