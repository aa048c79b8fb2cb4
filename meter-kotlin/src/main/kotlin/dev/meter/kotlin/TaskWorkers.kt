package dev.meter.kotlin

import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ClosedReceiveChannelException
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlin.coroutines.cancellation.CancellationException

/**
 * A run's task coroutines, kept and reused: a task goes to a worker coroutine that is idle, or to a new
 * one, and the worker runs it and then waits for the next. Launching a child coroutine for every task
 * (a job attached to the parent, its context folded, its completion handler) was most of a Kotlin run's
 * cost per instant task; a worker pays it once for many. Workers are children of the run's scope, in
 * its context, started and resumed through its dispatcher, so bodies run in parallel as launched ones
 * do. At most as many are ever busy as tasks run at once.
 *
 * A task's future completes when its body has left, `finally` blocks included. Cancelling it (a
 * timeout, fail fast, the run cancelled) cancels the worker running it, which ends once the body has
 * left; the future completes then, and later tasks go to other workers. [close] lets idle workers end
 * with the run: the run's scope does not complete before they have.
 */
internal class TaskWorkers(private val scope: CoroutineScope) : TaskStarts {
  private val queue = Channel<WorkerTask<*>>(Channel.UNLIMITED)
  /** Workers waiting on [queue]; never fewer than the tasks in it, so every task queued is taken at once. */
  private val idle = AtomicInteger()

  override fun <R> start(body: suspend () -> R): CompletableFuture<R> {
    val task = WorkerTask(body)
    if (takeIdle()) queue.trySend(task) else scope.launch { work(task) }
    return task
  }

  /** Idle workers end: call when the run has ended (no task will be started any more). */
  fun close() {
    queue.close(null)  // not close(): its default-argument bridge is missing from kotlinx-coroutines 1.10 (see JobCancel.kt)
  }

  private fun takeIdle(): Boolean {
    while (true) {
      val now = idle.get()
      if (now == 0) return false
      if (idle.compareAndSet(now, now - 1)) return true
    }
  }

  private suspend fun work(first: WorkerTask<*>) {
    val worker = currentCoroutineContext().job
    var task = first
    while (true) {
      if (!task.run(worker)) return  // this worker was cancelled with its task: it ends
      idle.incrementAndGet()
      task = try {
        queue.receive()
      } catch (closed: ClosedReceiveChannelException) {
        return
      }
    }
  }
}

/** How a Kotlin run starts a task's body and follows it: see [TaskWorkers] and [startTask]. */
internal interface TaskStarts {
  fun <R> start(body: suspend () -> R): CompletableFuture<R>
}

/**
 * One task of [TaskWorkers]: its future, and who runs it. Its [state] moves once from QUEUED to RUNNING
 * (a worker took it) or to CANCELLED (cancelled before), and from RUNNING to DONE or CANCELLING; a
 * cancel therefore reaches the worker only while it runs this task, never the task it takes next.
 */
private class WorkerTask<R>(private val body: suspend () -> R) : CompletableFuture<R>() {
  private val state = AtomicReference<Any>(QUEUED)

  /**
   * Runs the body in [worker] and completes this future. Returns false if the worker must end: its job
   * was cancelled, for this task or with the run.
   */
  suspend fun run(worker: Job): Boolean {
    if (!state.compareAndSet(QUEUED, worker)) return worker.isActive  // cancelled before it began
    val outcome = try {
      Result.success(body())
    } catch (failure: Throwable) {
      Result.failure(failure)
    }
    val stillActive = currentCoroutineContext().isActive
    val ran = state.compareAndSet(worker, DONE)
    outcome.fold({ complete(it) }, { completeExceptionally(it) })
    val failure = outcome.exceptionOrNull()
    if (!stillActive || !ran) {
      // Cancelled (this task, or the run): the body has left, and this worker ends with it.
      if (failure is CancellationException) throw failure
      return false
    }
    return true
  }

  override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
    while (true) {
      when (val now = state.get()) {
        QUEUED -> if (state.compareAndSet(QUEUED, CANCELLED)) return super.cancel(mayInterruptIfRunning)
        is Job -> if (state.compareAndSet(now, CANCELLING)) {
          now.cancel(null)  // completes when the body has left; see run
          return true
        }
        else -> return false
      }
    }
  }

  private companion object {
    val QUEUED = Any()
    val CANCELLED = Any()
    val CANCELLING = Any()
    val DONE = Any()
  }
}
