package dev.meter.kotlin

import dev.meter.api.Amap
import dev.meter.api.ItemResult
import dev.meter.api.Outcome
import dev.meter.api.RunOptions
import dev.meter.core.Meter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.future.await
import kotlinx.coroutines.supervisorScope

// The one bridge every Kotlin entry point goes through: a meter-core run whose tasks, and whose source
// flow's collector, are child coroutines of a supervisor scope in the caller's coroutine. The
// supervisor keeps a task's failure from cancelling its siblings behind the run's back (the run's
// failure policy decides that), and it does not return before every child has ended, so nothing
// outlives the call: not a task, not the source. Cancelling the caller cancels the await, which
// cancels the run's future, which cancels the run and its tasks.

internal suspend fun <T> runOnEachOf(input: Input<T>, settings: Settings, captureOutcome: Boolean, task: suspend (T) -> Unit) {
  if (captureOutcome) {
    // The engine keeps failures as values only in the views that yield them: take those and drop them.
    amapResultsOf(input, settings, ordered = false, task).collect {}
    return
  }
  supervisorScope {
    val options = settings.toRunOptions(this)
    Meter.with(options).runOnEach(input.source(this), input.task(this, StartPacer.of(options), task)).await()
  }
}

internal fun <T, R> amapOf(input: Input<T>, settings: Settings, ordered: Boolean, task: suspend (T) -> R): Flow<R> =
  resultsOf(input, ordered, task, { scope -> settings.toRunOptions(scope) }) { boxed: Box<R> -> boxed.value }

internal fun <T, R> amapResultsOf(
  input: Input<T>,
  settings: Settings,
  ordered: Boolean,
  task: suspend (T) -> R,
): Flow<ItemResult<T, R>> =
  resultsOf(input, ordered, task, { scope -> settings.toRunOptions(scope) }, results = true) { raw: ItemResult<*, Box<R>> ->
    ItemResult<T, R>(raw.index(), input.item(raw.item()), raw.outcome().map { it.value })
  }

/**
 * The results of an amap run as a cold flow: each collection starts one run and emits its results as
 * the engine delivers them (see [feed]: `bufferSize` results held back in all); when the
 * collector stops early (cancelled, or an operator such as `take` has enough) the run is cancelled,
 * and the collection ends only after its tasks and its source have ended.
 */
@Suppress("UNCHECKED_CAST")
private fun <T, R, E, O> resultsOf(
  input: Input<T>,
  ordered: Boolean,
  task: suspend (T) -> R,
  options: (CoroutineScope) -> RunOptions,
  results: Boolean = false,
  out: (E) -> O,
): Flow<O> = flow {
  supervisorScope {
    val runOptions = options(this)
    // The results asked for ahead of the collector come off the run's buffer: bufferSize in all.
    val prefetch = prefetchOf(runOptions.bufferSize())
    val runner = Meter.with(runOptions.toBuilder().bufferSize(maxOf(1, runOptions.bufferSize() - prefetch)).build())
    val source = input.source(this)
    // Results travel boxed: a publisher cannot carry null, and a task may return it.
    val boxedTask = input.task(this, StartPacer.of(runOptions)) { item -> Box(task(item)) }
    val amap: Amap<*> = when {
      results && ordered -> runner.amapOrderedResults(source, boxedTask)
      results -> runner.amapResults(source, boxedTask)
      ordered -> runner.amapOrdered(source, boxedTask)
      else -> runner.amap(source, boxedTask)
    }
    (amap.asPublisher() as java.util.concurrent.Flow.Publisher<Any>).feed(prefetch) { emit(out(it as E)) }
  }
}

internal suspend fun <R> runAllOf(tasks: Iterable<suspend () -> R>, settings: Settings): List<R> = supervisorScope {
  val options = settings.toRunOptions(this)
  val pacer = StartPacer.of(options)
  val calls = tasks.map { runCall(pacer, it) }
  Meter.with(options).runAll(calls).await()
}

internal suspend fun <R> runAllOutcomesOf(tasks: Iterable<suspend () -> R>, settings: Settings): List<Outcome<R>> = supervisorScope {
  val options = settings.toRunOptions(this)
  val pacer = StartPacer.of(options)
  val calls = tasks.map { runCall(pacer, it) }
  Meter.with(options).runAllOutcomes(calls).await()
}

internal suspend fun <R> runAnyOf(tasks: Iterable<suspend () -> R>, settings: Settings): R = supervisorScope {
  val options = settings.toRunOptions(this)
  val pacer = StartPacer.of(options)
  val calls = tasks.map { runCall(pacer, it) }
  Meter.with(options).runAny(calls).await()
}
