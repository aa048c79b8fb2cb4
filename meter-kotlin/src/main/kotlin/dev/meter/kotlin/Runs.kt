package dev.meter.kotlin

import dev.meter.api.Amap
import dev.meter.api.ItemResult
import dev.meter.api.RunOptions
import dev.meter.core.Meter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.future.await
import kotlinx.coroutines.supervisorScope

// The one bridge every Kotlin entry point goes through: a meter-core run whose tasks, and whose source
// flow's collector, are child coroutines of a supervisor scope in the caller's coroutine. The
// supervisor keeps a task's failure from cancelling its siblings behind the run's back (the run's
// failure policy decides that), and it does not return before every child has ended, so nothing
// outlives the call: not a task, not the source. Cancelling the caller cancels the await, which
// cancels the run's future, which cancels the run and its tasks.

internal suspend fun <T> runOnEachOf(input: Input<T>, settings: Settings, task: suspend (T) -> Unit) {
  supervisorScope {
    val options = settings.toRunOptions(this)
    val pacer = StartPacer.of(options)
    withWorkers(pacer) { workers ->
      Meter.with(options.pacedBy(pacer)).runOnEach(input.source(this), input.task(workers, task)).await()
    }
  }
}

internal fun <T, R> valuesOf(input: Input<T>, settings: Settings, ordered: Boolean, task: suspend (T) -> R): Flow<R> =
  RunResults(settings) { runner, scope, workers ->
    // A null result travels as NullValue: a publisher cannot carry null, and a task may return it.
    val carried = input.task(workers) { item -> task(item).orNullValue() }
    val source = input.source(scope)
    val amap: Amap<Any> = if (ordered) runner.amapOrdered(source, carried) else runner.amap(source, carried)
    amap.asPublisher().mapped { it.fromNullValue<R>() }
  }

internal fun <T, R> itemResultsOf(input: Input<T>, settings: Settings, ordered: Boolean, task: suspend (T) -> R): Flow<ItemResult<T, R>> =
  RunResults(settings) { runner, scope, workers ->
    val carried = input.task(workers) { item -> task(item).orNullValue() }
    val source = input.source(scope)
    val amap = if (ordered) runner.amapOrderedResults(source, carried) else runner.amapResults(source, carried)
    amap.asPublisher().mapped { raw -> ItemResult<T, R>(raw.index(), input.item(raw.item()), raw.outcome().map { it.fromNullValue<R>() }, raw.attempts()) }
  }

internal suspend fun <R> runAllOf(tasks: Iterable<suspend () -> R>, settings: Settings): List<R> = supervisorScope {
  val options = settings.toRunOptions(this)
  val pacer = StartPacer.of(options)
  withWorkers(pacer) { workers -> Meter.with(options.pacedBy(pacer)).runAll(tasks.map { workers.call(it) }).await() }
}

internal suspend fun <R> runAllOutcomesOf(tasks: Iterable<suspend () -> R>, settings: Settings): List<Result<R>> = supervisorScope {
  val options = settings.toRunOptions(this)
  val pacer = StartPacer.of(options)
  withWorkers(pacer) { workers -> Meter.with(options.pacedBy(pacer)).runAllOutcomes(tasks.map { workers.call(it) }).await().map { it.asResult() } }
}

internal suspend fun <R> runAnyOf(tasks: Iterable<suspend () -> R>, settings: Settings): R = supervisorScope {
  val options = settings.toRunOptions(this)
  val pacer = StartPacer.of(options)
  withWorkers(pacer) { workers -> Meter.with(options.pacedBy(pacer)).runAny(tasks.map { workers.call(it) }).await() }
}

/** These options with [pacer]'s grants first, if it has any to pace (see [StartPacer.paced]). */
internal fun RunOptions.pacedBy(pacer: StartPacer?): RunOptions = pacer?.paced(this) ?: this

/**
 * Runs [block] with task workers in this scope (the call's supervisor scope), whose bodies begin as
 * [pacer] lets them, and lets the idle ones
 * end when it returns or throws: the scope completes only after its children have.
 */
internal inline fun <R> CoroutineScope.withWorkers(pacer: StartPacer?, block: (TaskWorkers) -> R): R {
  val workers = TaskWorkers(this, pacer)
  try {
    return block(workers)
  } finally {
    workers.close()
  }
}
