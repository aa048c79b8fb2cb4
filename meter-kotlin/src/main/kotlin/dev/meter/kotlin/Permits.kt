package dev.meter.kotlin

import dev.meter.api.Limits

import dev.meter.api.spi.Limiter
import kotlin.time.Duration
import kotlinx.coroutines.flow.Flow

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
 * Lets this flow's elements through no faster than the given rate (GCRA, with [maxBurst] at once) and
 * the [limiter] allows, in their order, without mapping them: kotlinx's missing rate-limiting operator,
 * on meter's engine and limiters. An element is taken from upstream only when it may pass.
 *
 * Cancellable, as [amap]: cancelling the collector cancels the upstream collection, which ends first.
 *
 * @throws IllegalArgumentException if no limit is given, or a limit is bad (naming it and its value)
 */
public fun <T> Flow<T>.pace(
  limits: Limits? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  limiter: Limiter? = null,
): Flow<T> {
  require(limits?.rate() != null || maxPerSecond != null || maxStarts != null || limiter != null) {
    "pace needs a rate (limits, maxPerSecond or maxStarts per a duration) or a limiter, but none was given"
  }
  return amapOrdered(limits = limits, maxPerSecond = maxPerSecond, maxStarts = maxStarts, per = per, maxBurst = maxBurst, limiter = limiter) { it }
}

