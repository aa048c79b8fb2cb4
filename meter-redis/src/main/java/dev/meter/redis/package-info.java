/**
 * Limits held in Redis, so that many JVMs share one quota: {@link dev.meter.redis.MeterRedis} builds a
 * {@link dev.meter.redis.RedisLimiter} (or a keyed one) over a Lettuce connection, usable by any run
 * as a shared limiter is.
 */
@NullMarked
package dev.meter.redis;

import org.jspecify.annotations.NullMarked;
