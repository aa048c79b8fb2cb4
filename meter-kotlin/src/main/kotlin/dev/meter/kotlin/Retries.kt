package dev.meter.kotlin

import dev.meter.api.RetryPolicy
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration

/**
 * When a run tries a failed item again, with named parameters: the same [RetryPolicy] as Java's
 * `RetryPolicy.builder()` builds. Give it to a run with `runOptions { retry(retryPolicy(maxAttempts = 5)) }`.
 * Each retry waits for its limits again and takes new permits; only the last attempt's failure
 * counts; a Retry-After carried by an `OverloadedException` is waited for (up to [maxDelay]). A
 * cancellation (a coroutine's included) is never retried.
 *
 * @param maxAttempts how many times an item's body may run in all, the first included
 * @param initialDelay the backoff before the second attempt
 * @param maxDelay the longest backoff, and the longest Retry-After still waited for
 * @param multiplier how much each backoff grows over the one before
 * @param jitter the largest share of a backoff taken off at random, from 0 to 1
 * @param retryOn which failures are worth another attempt (by default every [Exception])
 * @throws IllegalArgumentException for a bad value, naming it and the value
 */
public fun retryPolicy(
  maxAttempts: Int = 3,
  initialDelay: Duration = 100.milliseconds,
  maxDelay: Duration = 30.seconds,
  multiplier: Double = 2.0,
  jitter: Double = 0.5,
  retryOn: ((Throwable) -> Boolean)? = null,
): RetryPolicy {
  require(initialDelay.isFinite() && !initialDelay.isNegative()) { "initialDelay must be a finite duration >= 0, but was $initialDelay" }
  require(maxDelay.isFinite() && maxDelay >= initialDelay) { "maxDelay must be finite and >= initialDelay ($initialDelay), but was $maxDelay" }
  val builder = RetryPolicy.builder()
    .maxAttempts(maxAttempts)
    .backoff(initialDelay.toJavaDuration(), maxDelay.toJavaDuration())
    .multiplier(multiplier)
    .jitter(jitter)
  retryOn?.let { predicate -> builder.retryOn { failure -> predicate(failure) } }
  return builder.build()
}
