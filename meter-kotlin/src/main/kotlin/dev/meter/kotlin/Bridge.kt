package dev.meter.kotlin

import dev.meter.api.AsyncCall
import dev.meter.api.AsyncTask
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.future.future

/**
 * A suspend function as a meter-core task: each call starts `task(item)` as a child coroutine of this
 * scope, in its context, and returns the coroutine as a `CompletableFuture` (kotlinx-coroutines'
 * `future {}`). So a Java run can run Kotlin code: when the run cancels the future (the run was
 * closed or cancelled, or the task timed out) the coroutine is cancelled; when the coroutine fails or
 * is cancelled, the future completes with that failure, unwrapped.
 *
 * The returned task is not itself a suspend function; the coroutines it starts are cancellable as
 * any child of this scope, and cancelling the scope cancels them.
 */
public fun <T, R> CoroutineScope.asAsyncTask(task: suspend (T) -> R): AsyncTask<T, R> =
  AsyncTask { item -> future { task(item) } }

/** A suspend function without input as a meter-core call; see [asAsyncTask] for how cancellation crosses. */
public fun <R> CoroutineScope.asAsyncCall(call: suspend () -> R): AsyncCall<R> =
  AsyncCall { future { call() } }
