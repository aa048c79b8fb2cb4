package dev.meter.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The entry point of meter-redis: limiters whose limits are held in Redis, over a Lettuce connection
 * the caller opens and closes.
 *
 * <pre>{@code
 * RedisClient client = RedisClient.create("redis://redis.internal:6379");
 * StatefulRedisConnection<String, String> connection = client.connect();
 * RedisLimiter quota = MeterRedis.limiter(connection, RedisLimiterConfig.builder("search-api")
 *     .limits(Limits.of(8, Rate.perSecond(200), 10))
 *     .build());
 * Meter.with(RunOptions.builder().limiter(quota).build()).runOnEach(queries, this::search);
 * }</pre>
 */
public final class MeterRedis {
  private MeterRedis() {}

  /**
   * A limiter over the quota {@code config} names, held in the Redis {@code connection} reaches. Every
   * JVM that builds one with the same name shares its limits.
   */
  public static RedisLimiter limiter(StatefulRedisConnection<String, String> connection, RedisLimiterConfig config) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(config, "config");
    RedisScripts scripts = new RedisScripts(connection.async(), config.name());
    scripts.preload();
    return new DefaultRedisLimiter(scripts, config, scheduler(config));
  }

  /**
   * A keyed limiter: each key has its own quota in Redis ({@code name + ":" + key}) with
   * {@code config}'s limits, shared by every JVM that builds one with the same name.
   */
  public static <K> RedisKeyedLimiter<K> keyedLimiter(StatefulRedisConnection<String, String> connection,
      RedisLimiterConfig config) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(config, "config");
    new RedisScripts(connection.async(), config.name()).preload();
    return new DefaultRedisKeyedLimiter<>(connection.async(), config, scheduler(config));
  }

  private static ScheduledExecutorService scheduler(RedisLimiterConfig config) {
    ScheduledExecutorService given = config.scheduler();
    return given != null ? given : DefaultTimer.INSTANCE;
  }

  /** meter-redis's own timer: one daemon thread, made when first needed. */
  private static final class DefaultTimer {
    static final ScheduledExecutorService INSTANCE = create();

    private static ScheduledExecutorService create() {
      ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
        Thread thread = new Thread(task, "meter-redis-timer");
        thread.setDaemon(true);
        return thread;
      });
      timer.setRemoveOnCancelPolicy(true);
      return timer;
    }
  }
}
