package dev.meter.kotlin

import kotlinx.coroutines.channels.Channel
import java.util.concurrent.Flow as JdkFlow

/**
 * Takes a run's results one at a time and hands each to [emit]: the next is asked for only after
 * [emit] has returned, so results wait in the engine's own buffer (`bufferSize`), where a full buffer
 * stops new starts, and nowhere else. When [emit] throws or the caller is cancelled, the subscription
 * is cancelled, which cancels the run.
 */
internal suspend fun <E> JdkFlow.Publisher<E>.feed(emit: suspend (E) -> Unit) {
  val feed = ResultFeed<E>()
  subscribe(feed)
  try {
    feed.requestOne()
    while (true) {
      when (val next = feed.next.receive()) {
        Done -> return
        is Failed -> throw next.failure
        else -> {
          @Suppress("UNCHECKED_CAST")
          emit(next as E)
          feed.requestOne()
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

private class ResultFeed<E> : JdkFlow.Subscriber<E> {
  // At most one result is asked for at a time: room for it and the end that may follow it.
  val next = Channel<Any?>(2)
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

  fun requestOne() {
    val known = synchronized(this) { subscription ?: run { asked++; null } }
    known?.request(1)
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
