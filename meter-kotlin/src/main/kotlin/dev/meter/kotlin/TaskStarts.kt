package dev.meter.kotlin

import dev.meter.api.AsyncCall
import dev.meter.api.AsyncTask
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.launch
import kotlin.coroutines.cancellation.CancellationException

/** [task] as the engine's task: each item's task is a child coroutine of this run scope ([startTask]). */
internal fun <T, R> CoroutineScope.runTask(task: suspend (T) -> R): AsyncTask<T, R> {
  val threads = coroutineContext[RunThreads]
  return AsyncTask { item -> startTask(threads) { task(item) } }
}

/** A call for `runAll` and `runAny`, started as [runTask] starts a task. */
internal fun <R> CoroutineScope.runCall(call: suspend () -> R): AsyncCall<R> {
  val threads = coroutineContext[RunThreads]
  return AsyncCall { startTask(threads) { call() } }
}

/**
 * Starts [body] as a child coroutine of this scope and returns its result as a future: the body's
 * value, or the exception it ended with, unwrapped; cancelling the future cancels the coroutine, and a
 * coroutine cancelled before its body ran cancels the future.
 *
 * This is what kotlinx's `future {}` does, with less per task, which the entry points run millions
 * of times: `future {}` also registers a completion stage on its future and, when the future
 * completes, cancels the already finished coroutine, which builds a cancellation exception with its
 * message for every task. Here a body that finishes before returning (an instant task started
 * undispatched) leaves nothing to wire up. The public [asAsyncTask] keeps `future {}`.
 *
 * The body runs undispatched when the calling thread is running one of the run's coroutines (see
 * [RunThreads]). Such a body runs even when its coroutine was cancelled at birth, as it is when the
 * run's scope is already cancelled or done; so it first checks that it may run, as a dispatched one
 * would never have started, and a body run after its scope ended would be a task nobody waits for.
 */
private fun <R> CoroutineScope.startTask(threads: RunThreads?, body: suspend () -> R): CompletableFuture<R> {
  val result = CompletableFuture<R>()
  val start = if (threads != null && threads.isCurrent()) CoroutineStart.UNDISPATCHED else CoroutineStart.DEFAULT
  val job = launch(start = start) {
    try {
      ensureActive()
      result.complete(body())
    } catch (failure: Throwable) {
      // Caught, not thrown: a failed child of the run's supervisor would go to the uncaught-exception
      // handler, and the failure is the run's to handle, through the future.
      result.completeExceptionally(failure)
      if (failure is CancellationException) {
        throw failure
      }
    }
  }
  if (!result.isDone) {
    job.invokeOnCompletion { cause -> if (cause != null) result.completeExceptionally(cause) }
    result.whenComplete { _, failure -> if (failure is CancellationException) job.cancel() }
  }
  return result
}
