package dev.meter.kotlin

import dev.meter.api.FailurePolicy
import dev.meter.api.TasksFailedException
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.test.currentTime
import kotlinx.coroutines.test.runTest
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** Each Kotlin entry point over each source, in the test scheduler's virtual time. */
@OptIn(ExperimentalCoroutinesApi::class)
class EntryPointsTest {

  @Test
  fun runOnEach_iterableSequenceAndFlow_runEveryItemWithinMaxAtOnce() = runTest {
    for (source in listOf("iterable", "sequence", "flow")) {
      // Given 20 items whose tasks take 10 ms each
      val probe = Probe()
      val task: suspend (Int) -> Unit = { i -> probe.track(i) { delay(10.milliseconds) } }

      // When each source runs with at most 3 at once
      when (source) {
        "iterable" -> (0 until 20).toList().runOnEach(maxAtOnce = 3, task = task)
        "sequence" -> (0 until 20).asSequence().asIterable().runOnEach(maxAtOnce = 3, task = task)
        else -> (0 until 20).asFlow().runOnEach(maxAtOnce = 3, task = task)
      }

      // Then every item ran, never more than 3 at once
      assertThat(probe.ended).`as`(source).hasSize(20)
      assertThat(probe.peak.get()).`as`(source).isEqualTo(3)
      assertThat(probe.active.get()).isZero()
    }
  }

  @Test
  fun amap_flow_yieldsResultsAsTheyFinish() = runTest {
    val results = flowOf(30, 10, 20).amap { ms -> delay(ms.milliseconds); "done $ms" }.toList()

    assertThat(results).containsExactly("done 10", "done 20", "done 30")
  }

  @Test
  fun amapOrdered_everySource_yieldsResultsInInputOrder() = runTest {
    val task: suspend (Int) -> String = { ms -> delay(ms.milliseconds); "done $ms" }

    assertThat(listOf(30, 10, 20).amapOrdered(maxAtOnce = 2, task = task).toList()).containsExactly("done 30", "done 10", "done 20")
    assertThat(sequenceOf(30, 10, 20).asIterable().amapOrdered(task = task).toList()).containsExactly("done 30", "done 10", "done 20")
    assertThat(flowOf(30, 10, 20).amapOrdered(task = task).toList()).containsExactly("done 30", "done 10", "done 20")
  }

  @Test
  fun amap_nullItemsAndNullResults_travelThrough() = runTest {
    val results = flowOf("a", null, "c").amapOrdered { item -> item?.uppercase() }.toList()

    assertThat(results).containsExactly("A", null, "C")
  }

  @Test
  fun amapResults_always_givesAPerItemReport() = runTest {
    // Given a task that fails for one item
    val report = flowOf("a", "bad", "c")
      .amapOrderedResults { item ->
        check(item != "bad") { "cannot fetch $item" }
        item.uppercase()
      }
      .toList()

    // Then every item has its result or failure, its position and its input
    assertThat(report.map { it.index() }).containsExactly(0L, 1L, 2L)
    assertThat(report.map { it.item() }).containsExactly("a", "bad", "c")
    assertThat(report[0].outcome().getOrNull()).isEqualTo("A")
    assertThat(report[1].outcome().failureOrNull()).isInstanceOf(IllegalStateException::class.java).hasMessage("cannot fetch bad")
  }

  @Test
  fun runAll_returnsResultsInTaskOrder() = runTest {
    val results = runAll({ delay(30); 1 }, { delay(10); 2 }, { 3 }, maxAtOnce = 2)

    assertThat(results).containsExactly(1, 2, 3)
  }

  @Test
  fun runAllOutcomes_keepsEveryFailureAsAValue() = runTest {
    val outcomes = runAllOutcomes(listOf<suspend () -> Int>({ 1 }, { error("two failed") }, { 3 }))

    assertThat(outcomes.map { it.getOrNull() }).containsExactly(1, null, 3)
    assertThat(outcomes[1].exceptionOrNull()).hasMessage("two failed")
  }

  @Test
  fun runAll_runAllThenThrow_attemptsEveryTaskAndCarriesAllFailures() = runTest {
    val probe = Probe()

    val thrown = runCatching {
      runAll(
        { probe.track(0) { error("first") } },
        { probe.track(1) { 2 } },
        { probe.track(2) { error("third") } },
        options = runOptions { failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW) },
      )
    }.exceptionOrNull()

    assertThat(thrown).isInstanceOf(TasksFailedException::class.java)
    assertThat((thrown as TasksFailedException).failures().map { it.message }).containsExactlyInAnyOrder("first", "third")
    assertThat(probe.ended).hasSize(3)
  }

  @Test
  fun runAny_firstSuccessWins_andTheRestAreCancelled() = runTest {
    val probe = Probe()

    val winner = runAny(
      { probe.track("slow") { delay(1.seconds); "slow" } },
      { probe.track("fast") { delay(10); "fast" } },
      { probe.track("never") { awaitCancellation() } },
    )

    assertThat(winner).isEqualTo("fast")
    assertThat(probe.ended).containsExactlyInAnyOrder("slow", "fast", "never")
    assertThat(probe.active.get()).isZero()
    assertThat(currentTime).isEqualTo(10)
  }

  @Test
  fun runAny_noTasks_isAClearError() = runTest {
    val thrown = runCatching { runAny<Int>(emptyList()) }.exceptionOrNull()

    assertThat(thrown).isInstanceOf(IllegalArgumentException::class.java)
      .hasMessageContaining("runAny needs at least one task")
  }
}
