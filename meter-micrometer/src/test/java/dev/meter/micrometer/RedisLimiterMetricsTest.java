package dev.meter.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import dev.meter.redis.MeterRedis;
import dev.meter.redis.RedisKeyedLimiter;
import dev.meter.redis.RedisLimiter;
import dev.meter.redis.RedisLimiterConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import redis.embedded.RedisServer;

/** The limiters of meter-redis bind as every shared or keyed limiter does (a real redis-server on loopback). */
class RedisLimiterMetricsTest {

  @Test
  void bind_redisLimiters_reportTheirLimitsAndThisJvmsBooks() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    RedisServer server = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"").build();
    server.start();
    RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (StatefulRedisConnection<String, String> connection = client.connect();
        RedisLimiter quota = MeterRedis.limiter(connection,
            RedisLimiterConfig.builder("partner-api").limits(Limits.of(3, Rate.perSecond(500), 5)).build());
        RedisKeyedLimiter<String> perTenant = MeterRedis.keyedLimiter(connection,
            RedisLimiterConfig.builder("per-tenant").limits(Limits.of(2)).build())) {
      // Given both Redis limiters bound
      MicrometerMetrics.bind(registry, quota);
      MicrometerMetrics.bind(registry, perTenant);

      // When a run goes through both
      RunOptions options = RunOptions.builder().limiter(quota).limiter(perTenant.by((String item) -> item.substring(0, 1))).build();
      Meter.with(options).runOnEach(List.of("a1", "b1", "a2", "c1", "b2"), CompletableFuture::completedFuture).join();

      // Then their gauges show the limits and their counters this JVM's starts
      assertThat(registry.get("meter.limiter.max.at.once").tag("limiter", "partner-api").gauge().value()).isEqualTo(3);
      assertThat(registry.get("meter.limiter.rate").tag("limiter", "partner-api").gauge().value()).isEqualTo(500);
      assertThat(registry.get("meter.limiter.started").tag("limiter", "partner-api").functionCounter().count()).isEqualTo(5);
      assertThat(registry.get("meter.limiter.started").tag("limiter", "per-tenant").functionCounter().count()).isEqualTo(5);
      assertThat(registry.get("meter.limiter.keys").tag("limiter", "per-tenant").gauge().value()).isEqualTo(perTenant.size());
    } finally {
      client.shutdown();
      server.stop();
    }
  }
}
