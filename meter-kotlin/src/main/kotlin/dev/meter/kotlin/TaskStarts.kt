package dev.meter.kotlin

import dev.meter.api.AsyncCall
import dev.meter.api.AsyncTask
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.launch
import kotlin.coroutines.cancellation.CancellationException

/**
 * [task] as the engine's task: each item's body is started by these [TaskStarts] (a run's
 * [TaskWorkers], which begin it within the run's rate envelope when they have a pacer, or a child
 * coroutine each, [LaunchPerTask]).
 */
internal fun <T, R> TaskStarts.task(task: suspend (T) -> R): AsyncTask<T, R> = AsyncTask { item -> start(task, item) }

/** A call for `runAll` and `runAny`, started as [task] starts a task. */
@Suppress("UNCHECKED_CAST")
internal fun <R> TaskStarts.call(call: suspend () -> R): AsyncCall<R> =
  AsyncCall { start(CALL as suspend (suspend () -> R) -> R, call) }

/** Runs the call it is given: a call started as a task whose item is the call. */
private val CALL: suspend (suspend () -> Any?) -> Any? = { call -> call() }

/** Each body a child coroutine of [scope] of its own ([startTask]): for Java runs, which have no end to close workers at. */
internal class LaunchPerTask(private val scope: CoroutineScope) : TaskStarts {
  override fun <T, R> start(task: suspend (T) -> R, item: T): CompletableFuture<R> = scope.startTask { task(item) }
}

/**
 * Starts [body] as a child coroutine of this scope, dispatched as `launch` dispatches it (so bodies
 * that block or compute before their first suspension run in parallel, as many as the dispatcher has
 * threads), and returns a [CoroutineFuture] of its result: the body's value, or the exception it ended
 * with, unwrapped, once the coroutine has ended.
 *
 * The failure is caught, not thrown: a failed child would cancel a plain parent, or go to the
 * uncaught-exception handler of a supervisor, and the failure is the run's to handle, through the future.
 */
internal fun <R> CoroutineScope.startTask(body: suspend () -> R): CompletableFuture<R> {
  val future = CoroutineFuture<R>()
  val job = launch {
    try {
      future.succeed(body())
    } catch (failure: Throwable) {
      future.fail(failure)
      if (failure is CancellationException) {
        throw failure
      }
    }
  }
  future.attach(job)
  return future
}

/**
 * A coroutine's result as a future that completes only when the coroutine has ended, children and
 * `finally` blocks included: a run frees a task's slot and permits when its future completes, and a
 * slot is often a connection, free only when the code using it has left. So [cancel] cancels the
 * coroutine and returns at once, and the future completes, cancelled, when the coroutine has ended
 * (as `Semaphore.withPermit { withTimeout { … } }` holds its permit until the block has left).
 */
internal class CoroutineFuture<R> : CompletableFuture<R>() {
  @Volatile private var job: Job? = null
  // Written by the coroutine before it completes, read by its completion handler after: the job's
  // completion orders them.
  private var value: R? = null
  private var failure: Throwable? = null

  fun succeed(result: R) {
    value = result
  }

  fun fail(thrown: Throwable) {
    failure = thrown
  }

  fun attach(coroutine: Job) {
    job = coroutine
    coroutine.invokeOnCompletion { cause ->
      val failed = failure ?: cause
      @Suppress("UNCHECKED_CAST")
      if (failed == null) complete(value as R) else completeExceptionally(failed)
    }
  }

  /**
   * Cancels the coroutine; the future completes when it has ended. Returns whether the future was not
   * done yet, so that the cancel will complete it.
   */
  override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
    val coroutine = job ?: return super.cancel(mayInterruptIfRunning)
    if (isDone) {
      return false
    }
    coroutine.cancelWithoutCause()
    return true
  }
}
