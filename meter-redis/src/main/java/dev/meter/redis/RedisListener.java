package dev.meter.redis;

import java.time.Duration;

/**
 * Told what a Redis limiter cannot do and why: Redis stopped answering (and what the limiter does
 * meanwhile), answers again, lost leases of running tasks, or a command that only tidies up (a release,
 * a refund, a renewal) failed. Called from the limiter's own threads; must not block. Every method does
 * nothing by default.
 */
public interface RedisListener {

  /** A listener that hears nothing. */
  RedisListener NONE = new RedisListener() {};

  /**
   * Redis stopped answering the quota's commands in time, or failed them.
   *
   * @param quota the quota's name
   * @param cause what the last command failed with (a {@link java.util.concurrent.TimeoutException}
   *     when it took longer than {@link RedisLimiterConfig#commandTimeout()})
   * @param fallingBack true when the limiter now starts tasks under its local limits (fail open), false
   *     when it starts nothing until Redis answers again (fail closed)
   */
  default void onUnavailable(String quota, Throwable cause, boolean fallingBack) {}

  /** Redis answers again, after {@code unavailableFor}; starts go through the quota in Redis again. */
  default void onAvailable(String quota, Duration unavailableFor) {}

  /**
   * Leases of running tasks were found expired when they were renewed (this JVM stalled past the lease
   * time, or Redis lost its data) and their slots had gone to other starts: until those tasks end, the
   * quota's max-at-once may be exceeded by {@code lost}.
   */
  default void onLeasesLost(String quota, int lost) {}

  /**
   * A command that gives back or keeps what a start took failed: {@code what} is "release", "refund",
   * "renew" or "pause". A lease not given back expires by itself after the lease time.
   */
  default void onCommandFailed(String quota, String what, Throwable cause) {}
}
