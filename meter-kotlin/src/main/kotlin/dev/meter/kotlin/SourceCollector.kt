package dev.meter.kotlin

import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch
import kotlin.coroutines.cancellation.CancellationException
import java.util.concurrent.Flow as JdkFlow

/**
 * A source `Flow` as the publisher the engine pulls from, collected by a child coroutine of [scope]
 * (the call's own scope), so the call returns only after the source has finished, `finally` blocks
 * included, as `flatMapMerge` does. The collector takes the next item only when the engine has asked
 * for one, and the engine asks only when a task may start: an item is never taken early.
 */
internal fun <T> Flow<T>.collectedIn(scope: CoroutineScope): JdkFlow.Publisher<Any> = JdkFlow.Publisher { subscriber ->
  SourceCollector(this, subscriber).start(scope)
}

private class SourceCollector<T>(
  private val flow: Flow<T>,
  private val subscriber: JdkFlow.Subscriber<in Any>,
) : JdkFlow.Subscription {
  private val demand = AtomicLong()
  private val demanded = Channel<Unit>(Channel.CONFLATED)
  @Volatile private var cancelled = false
  @Volatile private var job: Job? = null

  fun start(scope: CoroutineScope) {
    val collector = scope.launch(start = CoroutineStart.LAZY) { collect() }
    job = collector
    subscriber.onSubscribe(this)
    collector.start()
  }

  private suspend fun collect() {
    try {
      flow.collect { item ->
        awaitDemand()
        subscriber.onNext(item.orNullValue())
      }
      if (!cancelled) subscriber.onComplete()
    } catch (failure: Throwable) {
      if (!cancelled) subscriber.onError(failure)
      if (failure is CancellationException) throw failure
    }
  }

  private suspend fun awaitDemand() {
    while (true) {
      val now = demand.get()
      if (now > 0) {
        if (demand.compareAndSet(now, now - 1)) return
      } else {
        demanded.receive()
      }
    }
  }

  override fun request(n: Long) {
    if (n <= 0) {
      cancel()
      subscriber.onError(IllegalArgumentException("n must be > 0, but was $n"))
      return
    }
    demand.accumulateAndGet(n) { current, more -> if (current + more < 0) Long.MAX_VALUE else current + more }
    demanded.trySend(Unit)
  }

  override fun cancel() {
    cancelled = true
    job?.cancelWithoutCause()
  }
}
