package dev.meter.kotlin

import dev.meter.api.AdaptiveConfig
import dev.meter.api.AdaptiveLimiter
import dev.meter.api.Limits
import dev.meter.api.OverloadedException
import dev.meter.api.Outcome
import dev.meter.api.Rate
import dev.meter.api.spi.Limiter
import dev.meter.api.KeyedLimiter
import dev.meter.api.LimiterConfig
import dev.meter.api.SharedLimiter
import dev.meter.api.TimeSource
import dev.meter.api.event.MeterListener
import dev.meter.core.Meter
import kotlin.time.Duration
import kotlin.time.toJavaDuration

/**
 * A limiter to share between runs, Kotlin and Java alike: pass it as `limiter =` to any entry point
 * here, or to `RunOptions.Builder.limiter` in Java; its limits hold for all of them together. The
 * same object as `Meter.limiter(LimiterConfig)` builds, with named parameters. A shared limiter keeps
 * its own clock ([timeSource]; meter's default, the system's, if not given), so it does not follow a
 * test scheduler's virtual time unless given one. [name] names it (in its metrics, `toString` and
 * errors; "limiter-N" if not given), and [listener] is told of every task through it (give it
 * `MicrometerMetrics.listener(registry, name)` from meter-micrometer for its metrics).
 *
 * @throws IllegalArgumentException for a bad limit, naming it and its value
 */
public fun sharedLimiter(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  timeSource: TimeSource? = null,
  name: String? = null,
  listener: MeterListener? = null,
): SharedLimiter = Meter.limiter(limiterConfig(limits, maxAtOnce, maxPerSecond, timeSource, name, listener))

/**
 * One set of limits per key (host, tenant), created on first use and forgotten when idle; use it in a
 * run with `limiter = perHost.by { url: String -> url.host }`. The same object as
 * `Meter.keyedLimiter(LimiterConfig)` builds, with named parameters.
 *
 * [name] and [listener] as for [sharedLimiter] (its keys are named `name:key`).
 *
 * @throws IllegalArgumentException for a bad limit, naming it and its value
 */
public fun <K : Any> keyedLimiter(
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  timeSource: TimeSource? = null,
  name: String? = null,
  listener: MeterListener? = null,
): KeyedLimiter<K> = Meter.keyedLimiter<K>(limiterConfig(limits, maxAtOnce, maxPerSecond, timeSource, name, listener))

/** The config of a limiter built here: [name] for its metrics and messages, [listener] told of each of its tasks. */
private fun limiterConfig(
  limits: Limits?,
  maxAtOnce: Int?,
  maxPerSecond: Double?,
  timeSource: TimeSource?,
  name: String? = null,
  listener: MeterListener? = null,
): LimiterConfig {
  val builder = LimiterConfig.builder().limits((limits ?: Limits.none()).with(maxAtOnce, maxPerSecond))
  timeSource?.let(builder::timeSource)
  name?.let(builder::name)
  listener?.let(builder::listener)
  return builder.build()
}

/**
 * A shared limiter whose limits follow the service behind it: lower on a refusal for load
 * ([overloadWhen]: by default an [OverloadedException] or a timeout; a refusal may name the limit it
 * exceeded, [OverloadedException.Exceeded]) by [backoffRatio] and then to the share the service took,
 * back up with successes along a cubic that levels off where they were refused (after
 * [recoverySuccesses]), never below [minPerSecond] / [minAtOnce] nor above [maxPerSecond] /
 * [maxAtOnce] (by default the starting limits). The starting limits are [limits]; a limit they lack
 * is not adapted. The same object as `Meter.adaptiveLimiter(AdaptiveConfig)` builds, with named
 * parameters; see [AdaptiveLimiter].
 *
 * [name] and [listener] as for [sharedLimiter].
 *
 * @throws IllegalArgumentException for a bad value, naming it and the value
 */
public fun adaptiveLimiter(
  limits: Limits,
  minPerSecond: Double? = null,
  maxPerSecond: Double? = null,
  minAtOnce: Int? = null,
  maxAtOnce: Int? = null,
  backoffRatio: Double? = null,
  recoverySuccesses: Int? = null,
  overloadWhen: ((Outcome<*>) -> Boolean)? = null,
  onChange: ((AdaptiveLimiter.Change) -> Unit)? = null,
  timeSource: TimeSource? = null,
  name: String? = null,
  listener: MeterListener? = null,
): AdaptiveLimiter = Meter.adaptiveLimiter(
  adaptiveConfig(limits, minPerSecond, maxPerSecond, minAtOnce, maxAtOnce, backoffRatio, recoverySuccesses, overloadWhen, onChange, timeSource, null, name, listener),
)

/**
 * An [adaptiveLimiter] per key (per host, per tenant): each key starts from [limits] and adapts to what
 * its own service answers; `limits(key)` tells a key's limits in force and [onChange] hears each
 * change with its key. An idle key whose limits are back where they started is forgotten; one whose
 * limits were lowered is remembered for [forgetAfter] of idleness (10 minutes unless given). The same
 * object as `Meter.keyedAdaptiveLimiter(AdaptiveConfig)` builds; use it in a run with
 * `limiter = perHost.by { url: URI -> url.host }`.
 *
 * [name] and [listener] as for [sharedLimiter] (its keys are named `name:key`).
 *
 * @throws IllegalArgumentException for a bad value, naming it and the value
 */
public fun <K : Any> keyedAdaptiveLimiter(
  limits: Limits,
  minPerSecond: Double? = null,
  maxPerSecond: Double? = null,
  minAtOnce: Int? = null,
  maxAtOnce: Int? = null,
  backoffRatio: Double? = null,
  recoverySuccesses: Int? = null,
  overloadWhen: ((Outcome<*>) -> Boolean)? = null,
  onChange: ((AdaptiveLimiter.Change) -> Unit)? = null,
  forgetAfter: Duration? = null,
  timeSource: TimeSource? = null,
  name: String? = null,
  listener: MeterListener? = null,
): KeyedLimiter<K> = Meter.keyedAdaptiveLimiter<K>(
  adaptiveConfig(limits, minPerSecond, maxPerSecond, minAtOnce, maxAtOnce, backoffRatio, recoverySuccesses, overloadWhen, onChange, timeSource, forgetAfter, name, listener),
)

private fun adaptiveConfig(
  limits: Limits,
  minPerSecond: Double?,
  maxPerSecond: Double?,
  minAtOnce: Int?,
  maxAtOnce: Int?,
  backoffRatio: Double?,
  recoverySuccesses: Int?,
  overloadWhen: ((Outcome<*>) -> Boolean)?,
  onChange: ((AdaptiveLimiter.Change) -> Unit)?,
  timeSource: TimeSource?,
  forgetAfter: Duration?,
  name: String?,
  listener: MeterListener?,
): AdaptiveConfig {
  val builder = AdaptiveConfig.builder(limiterConfig(limits, null, null, timeSource, name, listener))
  minPerSecond?.let(builder::minPerSecond)
  maxPerSecond?.let(builder::maxPerSecond)
  minAtOnce?.let(builder::minAtOnce)
  maxAtOnce?.let(builder::maxAtOnce)
  backoffRatio?.let(builder::backoffRatio)
  recoverySuccesses?.let(builder::recoverySuccesses)
  // A Kotlin amap's null results travel through the engine as NullValue: the predicate gets null.
  overloadWhen?.let { predicate -> builder.overloadWhen { outcome -> predicate(outcome.map { it.fromNullValue<Any?>() }) } }
  onChange?.let { listener -> builder.onChange { listener(it) } }
  forgetAfter?.let {
    require(it.isPositive() && it.isFinite()) { "forgetAfter must be a finite positive duration, but was $it" }
    builder.forgetAfter(it.toJavaDuration())
  }
  return builder.build()
}

/**
 * A rate in units, each start costing its item's [cost] units (the tokens of a request against a
 * service's tokens per minute, say): in every window of length `w` the costs of the starts add up to
 * at most [maxBurst] + ⌈w · [rate]⌉. Use it beside a limiter of requests. An item costing less than one
 * unit or more than [maxBurst] fails the run before its task starts. The same object as
 * `Meter.costLimiter(LimiterConfig, ToLongFunction)` builds.
 *
 * [name] names it in its `toString` and errors.
 *
 * @throws IllegalArgumentException for a bad [maxBurst], naming it and its value
 */
public fun <T> costLimiter(rate: Rate, maxBurst: Int, timeSource: TimeSource? = null, name: String? = null, cost: (T) -> Long): Limiter =
  // A Flow's null items travel through the engine as NullValue: the cost function gets null.
  Meter.costLimiter<Any>(limiterConfig(Limits.of(rate, maxBurst), null, null, timeSource, name)) { raw -> cost(raw.fromNullValue()) }
