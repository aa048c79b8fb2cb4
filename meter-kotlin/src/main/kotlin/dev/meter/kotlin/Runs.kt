package dev.meter.kotlin

import dev.meter.api.Amap
import dev.meter.api.ItemResult
import dev.meter.api.Outcome
import dev.meter.api.RunOptions
import dev.meter.core.Meter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.plus
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.future.await
import kotlinx.coroutines.jdk9.asFlow
import kotlinx.coroutines.supervisorScope

// The one bridge every Kotlin entry point goes through: a meter-core run whose tasks are child
// coroutines of a supervisor scope in the caller's coroutine. The supervisor keeps a task's failure
// from cancelling its siblings behind the run's back (the run's failure policy decides that), and it
// does not return before every task coroutine has ended, so nothing outlives the call. Cancelling the
// caller cancels the await, which cancels the run's future, which cancels the run and its tasks.

internal suspend fun <T> runOnEachOf(input: Input<T>, settings: Settings, captureOutcome: Boolean, task: suspend (T) -> Unit) {
  if (captureOutcome) {
    // The engine keeps failures as values only in the views that yield them: take those and drop them.
    amapResultsOf(input, settings, ordered = false, task).collect {}
    return
  }
  supervisorScope {
    val run = runScope()
    val options = settings.toRunOptions(run)
    run.threads.during { Meter.with(options).runOnEach(input.source(run), input.task(run, task)) }.await()
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
 * The results of an amap run as a cold flow: each collection starts one run, emits its results as
 * the engine delivers them, and when the collector stops early (cancelled, or an operator such as
 * `take` has enough) cancels the run's subscription, which cancels the run and its tasks.
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
    val run = runScope()
    val runner = Meter.with(options(run))
    val source = input.source(run)
    // Results travel boxed: a publisher cannot carry null, and a task may return it.
    val boxedTask = input.task(run) { item -> Box(task(item)) }
    val amap: Amap<*> = when {
      results && ordered -> runner.amapOrderedResults(source, boxedTask)
      results -> runner.amapResults(source, boxedTask)
      ordered -> runner.amapOrdered(source, boxedTask)
      else -> runner.amap(source, boxedTask)
    }
    run.threads.marking(amap.asPublisher() as java.util.concurrent.Flow.Publisher<Any>).asFlow().collect { emit(out(it as E)) }
  }
}

internal suspend fun <R> runAllOf(tasks: Iterable<suspend () -> R>, settings: Settings): List<R> = supervisorScope {
  val run = runScope()
  val calls = tasks.map { run.runCall(it) }
  run.threads.during { Meter.with(settings.toRunOptions(run)).runAll(calls) }.await()
}

internal suspend fun <R> runAllOutcomesOf(tasks: Iterable<suspend () -> R>, settings: Settings): List<Outcome<R>> = supervisorScope {
  val run = runScope()
  val calls = tasks.map { run.runCall(it) }
  run.threads.during { Meter.with(settings.toRunOptions(run)).runAllOutcomes(calls) }.await()
}

internal suspend fun <R> runAnyOf(tasks: Iterable<suspend () -> R>, settings: Settings): R = supervisorScope {
  val run = runScope()
  val calls = tasks.map { run.runCall(it) }
  run.threads.during { Meter.with(settings.toRunOptions(run)).runAny(calls) }.await()
}

/**
 * The scope a run's coroutines (tasks, timers) are children of: the caller's supervisor scope, marked
 * with the run's [RunThreads].
 */
private fun CoroutineScope.runScope(): CoroutineScope = this + RunThreads()

private val CoroutineScope.threads: RunThreads
  get() = coroutineContext[RunThreads] ?: error("not a run's scope")
