package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.Rate
import dev.meter.api.RunOptions
import kotlin.time.Duration
import kotlin.time.toJavaDuration

/**
 * The three limits as one value, with named parts: `limits(maxAtOnce = 5, maxPerSecond = 10.0,
 * maxBurst = 3)`, or a rate over any period, `limits(rate = rate(100.0, per = 1.minutes))`. Every entry
 * point, limiter and `pace` takes it as `limits =`; their own `maxAtOnce` and `maxPerSecond` override
 * its parts.
 *
 * @param maxAtOnce at most this many tasks running at any instant (no limit unless given)
 * @param maxPerSecond at most this many starts per second, as a GCRA rate; or give [rate]
 * @param rate the start rate over any period; or give [maxPerSecond]
 * @param maxBurst how many starts the rate lets through at once (1 unless given; needs a rate)
 * @throws IllegalArgumentException for a bad limit or combination, naming it and its value
 */
public fun limits(maxAtOnce: Int? = null, maxPerSecond: Double? = null, rate: Rate? = null, maxBurst: Int? = null): Limits {
  require(maxPerSecond == null || rate == null) {
    "give the rate as maxPerSecond or as rate, not both, but maxPerSecond was $maxPerSecond and rate was $rate"
  }
  return Limits.none().with(maxAtOnce, maxPerSecond, maxBurst, rate)
}

/**
 * A start rate of [permits] per [per], for example `rate(100.0, per = 1.minutes)`: the same [Rate] as
 * Java's `Rate.of(permits, per)`.
 *
 * @throws IllegalArgumentException if [permits] or [per] is not positive and finite, naming it
 */
public fun rate(permits: Double, per: Duration): Rate {
  require(per.isPositive() && per.isFinite()) { "per must be a finite positive duration, but was $per" }
  return Rate.of(permits, per.toJavaDuration())
}

/**
 * Run options built in a block: `runOptions { failurePolicy(RUN_ALL_THEN_THROW); taskTimeout(10.seconds) }`.
 * Everything a run can be given besides its limits goes here (failure policy, task timeout, buffer
 * size, lookahead, listeners, clock, executor), checked when the block ends.
 */
public fun runOptions(block: RunOptions.Builder.() -> Unit): RunOptions = RunOptions.builder().apply(block).build()

/**
 * A task running longer than [timeout] is cancelled and fails with `TaskTimeoutException`.
 *
 * @throws IllegalArgumentException if [timeout] is not positive and finite
 */
public fun RunOptions.Builder.taskTimeout(timeout: Duration): RunOptions.Builder {
  require(timeout.isPositive() && timeout.isFinite()) { "taskTimeout must be a finite positive duration, but was $timeout" }
  return taskTimeout(timeout.toJavaDuration())
}

/**
 * These limits with the named ones put over them: the one place Kotlin's named limits become a
 * [Limits] value. A burst is kept with a new rate, and checked with it.
 */
internal fun Limits.with(maxAtOnce: Int?, maxPerSecond: Double?, maxBurst: Int? = null, rate: Rate? = null): Limits {
  val newRate = when {
    maxPerSecond != null -> Rate.perSecond(maxPerSecond)
    rate != null -> rate
    else -> rate()
  }
  return Limits(maxAtOnce ?: maxAtOnce(), newRate, maxBurst ?: maxBurst())
}
