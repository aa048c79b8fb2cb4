package dev.meter.kotlin

import java.util.concurrent.CompletableFuture
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.yield
import kotlin.coroutines.cancellation.CancellationException

/**
 * A run's task coroutines, kept and reused: a task goes to a worker coroutine that is idle, or to a new
 * one, and the worker runs it and then waits for the next. Launching a child coroutine for every task
 * (a job attached to the parent, its context folded, its completion handler) was most of a Kotlin run's
 * cost per instant task; a worker pays it once for many. Workers are children of the run's scope, in
 * its context, started and resumed through its dispatcher, so bodies run in parallel as launched ones
 * do. At most as many are ever busy as tasks run at once. A task started while a worker completes the
 * one before (the run's drain starting its replacement, on that worker's thread) goes to that worker,
 * which runs it next without a dispatch.
 *
 * A task's future completes when its body has left, `finally` blocks included. Cancelling it (a
 * timeout, fail fast, the run cancelled) cancels the worker running it, which ends once the body has
 * left; the future completes then, and later tasks go to other workers. [close] lets idle workers end
 * with the run: the run's scope does not complete before they have.
 *
 * With a [pacer], a task's body begins when the pacer lets it ([StartPacer.awaitStart]), and its start
 * counts as granted in the pacer's gates from here until then, or until the task is cancelled before
 * its body began (see [StartGrants]).
 */
internal class TaskWorkers(private val scope: CoroutineScope, private val pacer: StartPacer?) : TaskStarts {
  private val queue = Channel<WorkerTask<*, *>>(Channel.UNLIMITED)
  /** Workers waiting on [queue]; never fewer than the tasks in it, so every task queued is taken at once. */
  private val idle = AtomicInteger()

  override fun <T, R> start(task: suspend (T) -> R, item: T): CompletableFuture<R> {
    pacer?.granting()
    val started = WorkerTask(task, item, pacer)
    // Started while a worker of this run completes its task (the run's drain, on that worker's thread,
    // starting the next one): that worker takes it as soon as it is done, with no dispatch.
    val finishing = Worker.finishing.get()
    if (finishing != null && finishing.workers === this && finishing.next == null) {
      finishing.next = started
    } else {
      hand(started)
    }
    return started
  }

  /** Gives [task] to an idle worker, or to a new one. */
  private fun hand(task: WorkerTask<*, *>) {
    if (takeIdle()) {
      // Fails only once the run has ended and closed the queue: the task then never begins.
      if (queue.trySend(task).isFailure) task.cancel(false)
    } else {
      // A worker launched in a scope already cancelled never runs: its first task must not wait for it.
      scope.launch { work(task) }.invokeOnCompletion { task.cancel(false) }
    }
  }

  /** Idle workers end: call when the run has ended (no task will be started any more). */
  fun close() {
    // With a cause made once and without a stack trace: closed without one, the queue made each idle
    // worker's receive() throw a new exception, stack trace and all (a thousand at the end of a run of
    // maxAtOnce = 1,000). Not receiveCatching() instead: it allocated about 180 bytes more per task
    // in a run of instant tasks (W1's amap: 687 against 504).
    queue.close(QueueClosed.INSTANCE)
  }

  /** Why a worker's receive() ends: the run is over. */
  private class QueueClosed private constructor() : Exception("task workers closed", null, false, false) {
    companion object {
      val INSTANCE = QueueClosed()
    }
  }

  private companion object {
    const val STREAK_BEFORE_YIELD = 1024
  }

  private fun takeIdle(): Boolean {
    while (true) {
      val now = idle.get()
      if (now == 0) return false
      if (idle.compareAndSet(now, now - 1)) return true
    }
  }

  private suspend fun work(first: WorkerTask<*, *>) {
    val job = currentCoroutineContext().job
    val worker = Worker(this, job)
    var task = first
    var streak = 0
    while (true) {
      // The task's body is called from this loop, not from a suspending method of the task: that
      // would allocate a continuation of its own for every task.
      val goesOn = if (!task.claim(job)) {
        job.isActive  // cancelled before it began
      } else {
        val outcome = try {
          if (pacer != null) {
            try {
              val now = pacer.now()
              if (!pacer.tryStart(now)) pacer.awaitStart(now)
            } finally {
              pacer.grantDone()  // begun (booked in the gates), or cancelled while it waited
            }
          }
          Result.success(task.body())
        } catch (failure: Throwable) {
          Result.failure(failure)
        }
        task.finish(worker, outcome, job.isActive)
      }
      val next = worker.next
      worker.next = null
      if (!goesOn) {
        // This worker was cancelled with its task, and ends: a task handed to it goes elsewhere.
        next?.let(::hand)
        return
      }
      if (next != null) {
        // Tasks handed on this way never suspend the worker: let its dispatcher's other work in now and then.
        if (++streak % STREAK_BEFORE_YIELD == 0) {
          try {
            yield()
          } catch (cancelled: CancellationException) {
            hand(next)
            throw cancelled
          }
        }
        task = next
        continue
      }
      idle.incrementAndGet()
      task = try {
        queue.receive()
      } catch (closed: QueueClosed) {
        return
      }
    }
  }
}

/** One worker coroutine: its job, and the task handed to it while it completed the last one. */
internal class Worker(val workers: TaskWorkers, val job: Job) {
  var next: WorkerTask<*, *>? = null

  internal companion object {
    /** The worker completing a task's future on this thread, while it does. */
    val finishing = ThreadLocal<Worker?>()
  }
}

/** How a Kotlin run starts a task's body and follows it: see [TaskWorkers] and [startTask]. */
internal interface TaskStarts {
  /** Starts `task(item)`; the future completes when the body has left. */
  fun <T, R> start(task: suspend (T) -> R, item: T): CompletableFuture<R>
}

/**
 * One task of [TaskWorkers]: its future, and who runs it. Its [state] moves once from QUEUED to RUNNING
 * (a worker's job took it) or to CANCELLED (cancelled before), and from RUNNING to DONE or CANCELLING;
 * a cancel therefore reaches the worker only while it runs this task, never the task it takes next.
 * The task and its item are kept apart, not wrapped in one lambda: that was two more objects a start.
 */
internal class WorkerTask<T, R>(
  private val task: suspend (T) -> R,
  private val item: T,
  private val pacer: StartPacer?,
) : CompletableFuture<R>() {
  @Volatile private var state: Any = QUEUED

  /** Takes this task for [job]'s worker; false if it was cancelled before it began. */
  fun claim(job: Job): Boolean = STATE.compareAndSet(this, QUEUED, job)

  /** The body; a tail call, so no continuation of its own. */
  suspend fun body(): R = task(item)

  /**
   * Completes this future with [outcome] once the body has left. Returns false if [worker] must end:
   * its job was cancelled ([stillActive] false), for this task or with the run.
   */
  fun finish(worker: Worker, outcome: Result<Any?>, stillActive: Boolean): Boolean {
    val ran = STATE.compareAndSet(this, worker.job, DONE)
    val outer = Worker.finishing.get()  // a worker resumed inside another's completion (Unconfined)
    Worker.finishing.set(worker)
    try {
      @Suppress("UNCHECKED_CAST")
      outcome.fold({ complete(it as R) }, { completeExceptionally(it) })
    } finally {
      Worker.finishing.set(outer)
    }
    // Cancelled (this task, or the run): the body has left, and this worker ends with it.
    return stillActive && ran
  }

  override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
    while (true) {
      when (val now = state) {
        QUEUED -> if (STATE.compareAndSet(this, QUEUED, CANCELLED)) {
          pacer?.grantDone()  // its body will never begin
          return super.cancel(mayInterruptIfRunning)
        }
        is Job -> if (STATE.compareAndSet(this, now, CANCELLING)) {
          now.cancel(null)  // completes when the body has left; see finish
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
    val STATE: AtomicReferenceFieldUpdater<WorkerTask<*, *>, Any> =
      AtomicReferenceFieldUpdater.newUpdater(WorkerTask::class.java, Any::class.java, "state")
  }
}
