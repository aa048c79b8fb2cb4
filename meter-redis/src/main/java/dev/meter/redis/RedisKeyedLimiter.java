package dev.meter.redis;

import dev.meter.api.KeyedLimiter;

/**
 * A {@link KeyedLimiter} whose keys' limits are held in Redis: each key (a host, a tenant) has its own
 * quota, named {@code name + ":" + key} (the key by its {@code toString()}), shared by every JVM that
 * uses the same name. A key this JVM no longer uses is forgotten here; its quota in Redis expires with
 * its last booking and lease. Build one with
 * {@link MeterRedis#keyedLimiter(io.lettuce.core.api.StatefulRedisConnection, RedisLimiterConfig)}.
 *
 * @param <K> the key type; keys are compared with {@code equals} and named in Redis by {@code toString()}
 */
public interface RedisKeyedLimiter<K> extends KeyedLimiter<K>, AutoCloseable {

  /** The name every key's quota starts with. */
  String name();

  /** Whether Redis answered the limiter's last command in time. */
  boolean isAvailable();

  /** Stops renewing leases and retrying Redis; see {@link RedisLimiter#close()}. */
  @Override
  void close();
}
