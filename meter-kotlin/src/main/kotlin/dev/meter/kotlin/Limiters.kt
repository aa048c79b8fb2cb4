package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.KeyedLimiter
import dev.meter.api.LimiterConfig
import dev.meter.api.SharedLimiter
import dev.meter.api.TimeSource
import dev.meter.core.Meter

/**
 * A limiter to share between runs, Kotlin and Java alike: pass it as `limiter =` to any entry point
 * here, or to `RunOptions.Builder.limiter` in Java; its limits hold for all of them together. The
 * same object as `Meter.limiter(LimiterConfig)` builds, with named parameters. A shared limiter keeps
 * its own clock ([timeSource]; meter's default, the system's, if not given), so it does not follow a
 * test scheduler's virtual time unless given one.
 *
 * @throws IllegalArgumentException for a bad limit, naming it and its value
 */
public fun sharedLimiter(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  timeSource: TimeSource? = null,
): SharedLimiter = Meter.limiter(limiterConfig(limits, maxAtOnce, maxPerSecond, timeSource))

/**
 * One set of limits per key (host, tenant), created on first use and forgotten when idle; use it in a
 * run with `limiter = perHost.by { url: String -> url.host }`. The same object as
 * `Meter.keyedLimiter(LimiterConfig)` builds, with named parameters.
 *
 * @throws IllegalArgumentException for a bad limit, naming it and its value
 */
public fun <K : Any> keyedLimiter(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  timeSource: TimeSource? = null,
): KeyedLimiter<K> = Meter.keyedLimiter<K>(limiterConfig(limits, maxAtOnce, maxPerSecond, timeSource))

private fun limiterConfig(limits: Limits?, maxAtOnce: Int?, maxPerSecond: Double?, timeSource: TimeSource?): LimiterConfig {
  val builder = LimiterConfig.builder().limits((limits ?: Limits.none()).with(maxAtOnce, maxPerSecond))
  timeSource?.let(builder::timeSource)
  return builder.build()
}
