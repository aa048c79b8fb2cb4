package dev.meter.kotlin

import dev.meter.api.AsyncCall
import dev.meter.api.AsyncTask
import kotlinx.coroutines.CoroutineScope

/**
 * A suspend function as a meter-core task: each call starts `task(item)` as a child coroutine of this
 * scope, in its context, and returns it as a `CompletableFuture` that completes when the coroutine
 * has ended, with its result or its failure, unwrapped. So a Java run can run Kotlin code, and its
 * limits hold for the coroutines: when the run cancels the future (the run was closed or cancelled, or
 * the task timed out) the coroutine is cancelled, and the future completes, freeing the task's slot,
 * only when the coroutine has ended, `finally` blocks included; a Java `Amap.close()` returns once the
 * coroutines have ended. A failing task does not cancel this scope: the run decides what it means.
 *
 * The returned task is not itself a suspend function; the coroutines it starts are cancellable as
 * any child of this scope, and cancelling the scope cancels them.
 */
public fun <T, R> CoroutineScope.asAsyncTask(task: suspend (T) -> R): AsyncTask<T, R> = LaunchPerTask(this).task(task)

/** A suspend function without input as a meter-core call; see [asAsyncTask] for how cancellation crosses. */
public fun <R> CoroutineScope.asAsyncCall(call: suspend () -> R): AsyncCall<R> = LaunchPerTask(this).call(call)
