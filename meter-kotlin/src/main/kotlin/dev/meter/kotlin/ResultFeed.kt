package dev.meter.kotlin

import kotlinx.coroutines.channels.Channel
import java.util.concurrent.Flow as JdkFlow

/**
 * Hands a run's results to [emit] in order, asking the run for at most [prefetch] at a time and for
 * more each time half of those have been emitted. The caller takes [prefetch] off the run's own
 * buffer size, so the results held back from a collector that stops reading are the `bufferSize` it
 * asked for, no more: in the run's buffer, where a full buffer stops new starts, and at most
 * [prefetch] here. When [emit] throws or the caller is cancelled, the subscription is cancelled, which
 * cancels the run.
 */
internal suspend fun <E> JdkFlow.Publisher<E>.feed(prefetch: Int, emit: suspend (E) -> Unit) {
  val feed = ResultFeed<E>(prefetch)
  subscribe(feed)
  try {
    val refill = maxOf(1, prefetch / 2)
    var taken = 0
    feed.request(prefetch.toLong())
    while (true) {
      when (val next = feed.next.receive()) {
        Done -> return
        is Failed -> throw next.failure
        else -> {
          @Suppress("UNCHECKED_CAST")
          emit(next as E)
          if (++taken == refill) {
            taken = 0
            feed.request(refill.toLong())
          }
        }
      }
    }
  } catch (stop: Throwable) {
    feed.cancel()
    throw stop
  }
}

private object Done

private class Failed(val failure: Throwable)

/** How many results a Kotlin collection asks a run for at a time, out of its [bufferSize]. */
internal fun prefetchOf(bufferSize: Int): Int = minOf(64, maxOf(1, bufferSize / 4))

private class ResultFeed<E>(prefetch: Int) : JdkFlow.Subscriber<E> {
  // Room for every result asked for and the end that may follow them: a send never fails.
  val next = Channel<Any?>(prefetch + 1)
  private var subscription: JdkFlow.Subscription? = null
  private var asked = 0L
  private var cancelled = false

  // A publisher may call onSubscribe later, on another thread: what was asked before is passed on then.
  override fun onSubscribe(subscription: JdkFlow.Subscription) {
    val (ask, stop) = synchronized(this) {
      this.subscription = subscription
      Pair(asked, cancelled)
    }
    if (stop) subscription.cancel() else if (ask > 0) subscription.request(ask)
  }

  fun request(n: Long) {
    val known = synchronized(this) { subscription ?: run { asked += n; null } }
    known?.request(n)
  }

  fun cancel() {
    val known = synchronized(this) { subscription ?: run { cancelled = true; null } }
    known?.cancel()
  }

  override fun onNext(item: E) {
    next.trySend(item)
  }

  override fun onError(throwable: Throwable) {
    next.trySend(Failed(throwable))
  }

  override fun onComplete() {
    next.trySend(Done)
  }
}
