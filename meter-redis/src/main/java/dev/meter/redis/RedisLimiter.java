package dev.meter.redis;

import dev.meter.api.SharedLimiter;

/**
 * A {@link SharedLimiter} whose limits are held in Redis, so that every JVM using the same quota name
 * shares them: the rate's envelope (GCRA on the server's clock, the same envelope as a local limiter's)
 * and max-at-once by leases that expire unless renewed. Build one with
 * {@link MeterRedis#limiter(io.lettuce.core.api.StatefulRedisConnection, RedisLimiterConfig)} and add it
 * to any run like a local limiter.
 *
 * <p>A start costs one Redis round trip (the acquire script); a settled task's lease goes back in
 * another, sent without waiting. No thread ever waits for Redis. While Redis does not answer, the
 * limiter starts nothing (fail closed) or starts under local limits (fail open), as configured; runs
 * waiting on it can be cancelled as ever.
 *
 * <p>{@link #setLimits} and the other setters change the limits this JVM asks with; every JVM sharing
 * the quota should set the same. {@link #pauseFor} pauses the quota for every JVM (sent without waiting:
 * it holds the starts whose asks reach Redis after it). {@link #stats()}
 * counts the tasks of this JVM.
 */
public interface RedisLimiter extends SharedLimiter, AutoCloseable {

  /** The quota's name. */
  String name();

  /** Whether Redis answered the limiter's last command in time. */
  boolean isAvailable();

  /**
   * Stops renewing leases, waits for the commands already sent (releases above all) to be answered (at
   * most the command time-out, so that a JVM that closes its limiter before it exits leaves none of
   * its leases behind), then stops retrying Redis. Tasks still running keep their leases until they settle or the leases expire; the
   * connection stays open (it is the caller's: close it after the limiter).
   */
  @Override
  void close();
}
