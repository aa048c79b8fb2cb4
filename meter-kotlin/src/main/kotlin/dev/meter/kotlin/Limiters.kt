package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.api.KeyedLimiter
import dev.meter.api.LimiterConfig
import dev.meter.api.Rate
import dev.meter.api.SharedLimiter
import dev.meter.api.TimeSource
import dev.meter.core.Meter
import kotlin.time.Duration
import kotlin.time.toJavaDuration

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
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  timeSource: TimeSource? = null,
): SharedLimiter = Meter.limiter(limiterConfig(limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, timeSource))

/**
 * One set of limits per key (host, tenant), created on first use and forgotten when idle; use it in a
 * run with `limiter = perHost.by { url: String -> url.host }`. The same object as
 * `Meter.keyedLimiter(LimiterConfig)` builds, with named parameters.
 *
 * @throws IllegalArgumentException for a bad limit, naming it and its value
 */
public fun <K : Any> keyedLimiter(
  limits: Limits? = null,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  maxStarts: Int? = null,
  per: Duration? = null,
  maxBurst: Int? = null,
  timeSource: TimeSource? = null,
): KeyedLimiter<K> = Meter.keyedLimiter<K>(limiterConfig(limits, maxAtOnce, maxPerSecond, maxStarts, per, maxBurst, timeSource))

private fun limiterConfig(
  limits: Limits?,
  maxAtOnce: Int?,
  maxPerSecond: Double?,
  maxStarts: Int?,
  per: Duration?,
  maxBurst: Int?,
  timeSource: TimeSource?,
): LimiterConfig {
  val builder = LimiterConfig.builder().limits((limits ?: Limits.none()).with(maxAtOnce, maxPerSecond, maxStarts, per, maxBurst))
  timeSource?.let(builder::timeSource)
  return builder.build()
}

/**
 * These limits with the named limits an entry point or limiter was given put over them: the one place
 * Kotlin's named limits become a [Limits] value. A burst is kept with a new rate, and checked with it.
 */
internal fun Limits.with(maxAtOnce: Int?, maxPerSecond: Double?, maxStarts: Int?, per: Duration?, maxBurst: Int?): Limits {
  checkRate(maxPerSecond, maxStarts, per)
  val rate = when {
    maxPerSecond != null -> Rate.perSecond(maxPerSecond)
    maxStarts != null && per != null -> Rate.of(maxStarts.toDouble(), per.toJavaDuration())
    else -> rate()
  }
  return Limits(maxAtOnce ?: maxAtOnce(), rate, maxBurst ?: maxBurst())
}

/** The rate given as `maxPerSecond` or as `maxStarts` per `per`: checked the same way everywhere. */
internal fun checkRate(maxPerSecond: Double?, maxStarts: Int?, per: Duration?) {
  require(maxStarts == null || maxPerSecond == null) {
    "give the rate as maxPerSecond or as maxStarts per a duration, not both, but maxPerSecond was $maxPerSecond and maxStarts was $maxStarts"
  }
  require((maxStarts == null) == (per == null)) {
    "maxStarts and per go together, but maxStarts was $maxStarts and per was $per"
  }
  require(per == null || (per.isPositive() && per.isFinite())) {
    "per must be a finite positive duration, but was $per"
  }
  require(maxStarts == null || maxStarts >= 1) { "maxStarts must be >= 1, but was $maxStarts" }
}
