package dev.meter.kotlin

import dev.meter.api.Limits
import dev.meter.redis.MeterRedis
import dev.meter.redis.RedisKeyedLimiter
import dev.meter.redis.RedisLimiter
import dev.meter.redis.RedisLimiterConfig
import dev.meter.redis.RedisListener
import io.lettuce.core.api.StatefulRedisConnection
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration

// Named-parameter builders for meter-redis's limiters (meter-redis must be on the class path: it is
// an optional dependency of meter-kotlin). The limiters themselves are meter-redis's, used like any
// other: `limiter = quota`.

/**
 * A limiter over the quota [name] held in Redis, shared by every JVM that uses the same name: the same
 * object as `MeterRedis.limiter(connection, RedisLimiterConfig)` builds, with named parameters. Pass
 * it as `limiter =` to any entry point. A start costs one Redis round trip; no thread waits for Redis.
 *
 * @param limits the quota's limits over all JVMs together; [maxAtOnce] and [maxPerSecond] override theirs
 * @param leaseTime how long a JVM that dies keeps its slots
 * @param failOpen the local limits to start under while Redis does not answer; null to start nothing meanwhile
 * @throws IllegalArgumentException for a bad value, naming it and the value
 */
public fun redisLimiter(
  connection: StatefulRedisConnection<String, String>,
  name: String,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  leaseTime: Duration = 10.seconds,
  failOpen: Limits? = null,
  listener: RedisListener? = null,
): RedisLimiter = MeterRedis.limiter(connection, redisConfig(name, limits, maxAtOnce, maxPerSecond, leaseTime, failOpen, listener))

/**
 * A quota per key in Redis (`name:key`), shared by every JVM that uses the same name; use it in a run
 * with `limiter = perHost.by { url: String -> url.host }`. The same object as
 * `MeterRedis.keyedLimiter(connection, RedisLimiterConfig)` builds, with named parameters.
 *
 * @throws IllegalArgumentException for a bad value, naming it and the value
 */
public fun <K : Any> redisKeyedLimiter(
  connection: StatefulRedisConnection<String, String>,
  name: String,
  maxAtOnce: Int? = null,
  maxPerSecond: Double? = null,
  limits: Limits? = null,
  leaseTime: Duration = 10.seconds,
  failOpen: Limits? = null,
  listener: RedisListener? = null,
): RedisKeyedLimiter<K> =
  MeterRedis.keyedLimiter(connection, redisConfig(name, limits, maxAtOnce, maxPerSecond, leaseTime, failOpen, listener))

private fun redisConfig(
  name: String,
  limits: Limits?,
  maxAtOnce: Int?,
  maxPerSecond: Double?,
  leaseTime: Duration,
  failOpen: Limits?,
  listener: RedisListener?,
): RedisLimiterConfig {
  require(leaseTime.isFinite()) { "leaseTime must be finite, but was $leaseTime" }
  val builder = RedisLimiterConfig.builder(name)
    .limits((limits ?: Limits.none()).with(maxAtOnce, maxPerSecond))
    .leaseTime(leaseTime.toJavaDuration())
  failOpen?.let(builder::failOpen)
  listener?.let(builder::listener)
  return builder.build()
}
