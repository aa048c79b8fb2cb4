package dev.meter.kotlin

import kotlinx.coroutines.ThreadContextElement
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import java.util.concurrent.Flow

/**
 * Marks the threads that are, at this moment, running one of a run's coroutines (its tasks and its
 * timers). The engine's drain loop runs on whatever thread woke it; when that thread is running one of
 * the run's own coroutines, it is already on the caller's dispatcher, so a task started from there may
 * run at once (`CoroutineStart.UNDISPATCHED`) instead of being queued behind a dispatch.
 *
 * That matters twice. A task that starts when its permit is granted is a task whose start the limits
 * describe: queued, a run's starts could bunch up behind a busy dispatcher and reach the task bodies
 * above the rate's envelope. And a dispatch per task was most of meter-kotlin's overhead.
 */
internal class RunThreads : AbstractCoroutineContextElement(Key), ThreadContextElement<RunThreads?> {
  companion object Key : CoroutineContext.Key<RunThreads> {
    private val current = ThreadLocal<RunThreads?>()
  }

  /** Whether the calling thread is running one of this run's coroutines now. */
  fun isCurrent(): Boolean = current.get() === this

  /**
   * Runs [block] with the calling thread marked as this run's. Only for code that does not suspend,
   * called from a coroutine on the run's dispatcher: the engine calls that start a run or ask it for
   * results, whose drain loop may then start tasks at once.
   */
  inline fun <X> during(block: () -> X): X {
    val previous = updateThreadContext(EmptyCoroutineContext)
    try {
      return block()
    } finally {
      restoreThreadContext(EmptyCoroutineContext, previous)
    }
  }

  /** [publisher] with its subscription and its requests made as [during] makes them. */
  fun <E> marking(publisher: Flow.Publisher<E>): Flow.Publisher<E> = Flow.Publisher { subscriber ->
    during {
      publisher.subscribe(object : Flow.Subscriber<E> {
        override fun onSubscribe(subscription: Flow.Subscription) {
          subscriber.onSubscribe(object : Flow.Subscription {
            override fun request(n: Long) = during { subscription.request(n) }

            override fun cancel() = subscription.cancel()
          })
        }

        override fun onNext(item: E) = subscriber.onNext(item)

        override fun onError(throwable: Throwable) = subscriber.onError(throwable)

        override fun onComplete() = subscriber.onComplete()
      })
    }
  }

  override fun updateThreadContext(context: CoroutineContext): RunThreads? {
    val previous = current.get()
    current.set(this)
    return previous
  }

  override fun restoreThreadContext(context: CoroutineContext, oldState: RunThreads?) {
    current.set(oldState)
  }
}
