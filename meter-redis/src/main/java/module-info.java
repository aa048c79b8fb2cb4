/**
 * meter's limits held in Redis. Exports {@code dev.meter.redis}: the entry class
 * {@link dev.meter.redis.MeterRedis}, the limiter interfaces, their configuration and listener;
 * everything else is package-private.
 */
module dev.meter.redis {
  requires transitive dev.meter.core;
  requires transitive lettuce.core;
  requires static transitive org.jspecify;

  exports dev.meter.redis;
}
