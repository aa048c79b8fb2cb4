package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.spi.Limiter
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlin.coroutines.cancellation.CancellationException

/**
 * Suspends until this limiter lets one more start, runs [block], and gives the permit back when the
 * block has ended (returned, thrown or been cancelled), as `Semaphore.withPermit` does, but under any
 * meter limiter: shared, keyed (the key is [item]'s), adaptive or custom. The same engine as the entry
 * points admits it: nothing is taken before the block may start, and the block counts against the
 * limiter's `maxAtOnce` and rate with every run that uses it.
 *
 * Cancellable: cancelled while it waits, the limiter is left as if it had never asked; cancelled while
 * the block runs, the permit is given back once the block has ended. The block's failure is rethrown
 * as it is.
 *
 * @param item what a keyed limiter takes its key from (the limiter's `by { … }` function sees it)
 */
public suspend fun <R> Limiter.withPermit(item: Any? = Unit, block: suspend () -> R): R {
  var result: Result<R>? = null
  listOf(item).runOnEach(limiter = this) { result = runCatching { block() } }
  @Suppress("UNCHECKED_CAST")
  return (result ?: error("the limiter's run ended without starting the block")).getOrThrow()
}

/**
 * Suspends until this limiter lets one more start, and returns that start as a [LimiterPermit] to
 * [release][LimiterPermit.release] when done, as `Semaphore.acquire` does, for code that cannot put
 * the work in a block ([withPermit] is simpler where it can). The permit counts against the limiter's
 * `maxAtOnce` and rate, in its stats and events, with every run that uses it: it is taken by a
 * one-item run on the same engine, whose task holds it until released.
 *
 * Cancellable: cancelled while it waits, the limiter is left as if it had never asked. The permit is a
 * child of the caller's job: if the caller is cancelled or fails before releasing it, it is given back
 * then; a caller that forgets to release it does not complete.
 *
 * @param item what a keyed limiter takes its key from (the limiter's `by { … }` function sees it)
 * @throws Exception what the limiter threw when asked, if it failed the start
 */
public suspend fun Limiter.acquire(item: Any? = Unit): LimiterPermit {
  val granted = CompletableDeferred<Unit>()
  val released = CompletableDeferred<Unit>()
  val holder = CoroutineScope(currentCoroutineContext()).launch(start = CoroutineStart.UNDISPATCHED) {
    try {
      listOf(item).runOnEach(limiter = this@acquire) {
        granted.complete(Unit)
        released.await()
      }
    } catch (failure: Throwable) {
      // Not thrown on: a failed child would cancel the caller. acquire() rethrows it, if it waits still.
      granted.completeExceptionally(failure)
      if (failure is CancellationException) throw failure
    }
  }
  try {
    granted.await()
  } catch (stopped: Throwable) {
    holder.cancel(null)
    throw stopped
  }
  return LimiterPermit(released, holder)
}

/** A start taken with [acquire]: it holds the limiter's permit until [release]d. */
public class LimiterPermit internal constructor(private val released: CompletableDeferred<Unit>, private val holder: Job) {
  /**
   * Gives the permit back and returns once the limiter has it. Idempotent. Not cancellable: it
   * returns only then even if the caller is cancelled meanwhile.
   */
  public suspend fun release() {
    released.complete(Unit)
    withContext(NonCancellable) { holder.join() }
  }
}

/**
 * Lets this flow's elements through no faster than the given rate (GCRA; a burst through [limits]) and
 * the [limiter] allows, in their order, without mapping them: kotlinx's missing rate-limiting operator,
 * on meter's engine and limiters. An element is taken from upstream only when it may pass.
 *
 * Cancellable, as [amap]: cancelling the collector cancels the upstream collection, which ends first.
 *
 * @param maxPerSecond at most this many elements per second
 * @param limits the rate as part of one value, with a burst or over any period; see [limits]
 * @param limiter a limiter shared with runs and other paced flows
 * @throws IllegalArgumentException if no rate or limiter is given, or a limit is bad (naming it and its value)
 */
public fun <T> Flow<T>.pace(maxPerSecond: Double? = null, limits: Limits? = null, limiter: Limiter? = null): Flow<T> {
  require(limits?.rate() != null || maxPerSecond != null || limiter != null) {
    "pace needs a rate (maxPerSecond, or limits with a rate) or a limiter, but none was given"
  }
  return amapOrdered(maxPerSecond = maxPerSecond, limits = limits, limiter = limiter) { it }
}
