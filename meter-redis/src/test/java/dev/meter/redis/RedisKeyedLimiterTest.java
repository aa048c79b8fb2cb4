package dev.meter.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A keyed Redis limiter: a quota per key, shared by limiters on different connections. */
class RedisKeyedLimiterTest {
  private static EmbeddedRedis redis;
  private static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void startRedis() {
    redis = EmbeddedRedis.start();
    connection = redis.connect();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    connection.close();
    redis.close();
  }

  private record Request(String host, int n) {}

  @Test
  void twoLimiters_perHostQuotas_eachHostKeepsItsLimitsOverBoth_andIdleKeysAreForgotten() throws Exception {
    // Given two keyed limiters (as two JVMs) over per-host quotas of 2 at once, 100 a second in bursts of 2
    String name = "hosts-" + UUID.randomUUID();
    RedisLimiterConfig config = RedisLimiterConfig.builder(name).limits(Limits.of(2, Rate.perSecond(100), 2))
        .leaseTime(Duration.ofMillis(300)).build();
    Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> most = new ConcurrentHashMap<>();
    Map<String, ConcurrentLinkedQueue<Long>> grants = new ConcurrentHashMap<>();
    try (StatefulRedisConnection<String, String> other = redis.connect();
        RedisKeyedLimiter<String> first = MeterRedis.keyedLimiter(connection, config);
        RedisKeyedLimiter<String> second = MeterRedis.keyedLimiter(other, config)) {
      first.pauseFor("a", Duration.ZERO);  // uses the key: it has a quota here now
      assertThat(first.limits("a")).contains(Limits.of(2, Rate.perSecond(100), 2));
      List<Request> requests = Recorder.items(120).stream().map(n -> new Request(n % 3 == 0 ? "a" : "b", n)).toList();
      CompletableFuture<?>[] runs = new CompletableFuture<?>[2];
      int i = 0;
      for (RedisKeyedLimiter<String> limiter : List.of(first, second)) {
        Recorder recorder = new Recorder();
        RunOptions options = RunOptions.builder().maxAtOnce(8).lookahead(8)
            .limiter(recordingPerHost(recorder, limiter, grants)).build();
        runs[i++] = Meter.with(options).runOnEach(requests, request -> hostTask(request, running, most));
      }

      // When both run 120 requests over the two hosts
      CompletableFuture.allOf(runs).get(60, TimeUnit.SECONDS);

      // Then each host kept its own limits over both limiters together
      assertThat(most.get("a").get()).isLessThanOrEqualTo(2);
      assertThat(most.get("b").get()).isLessThanOrEqualTo(2);
      Envelope.check(grants.get(name + ":a"), 100, 2);
      Envelope.check(grants.get(name + ":b"), 100, 2);
      assertThat(grants.get(name + ":a")).hasSize(80);
      assertThat(grants.get(name + ":b")).hasSize(160);
      assertThat(first.stats().succeeded()).isEqualTo(120);

      // And once idle, the keys are forgotten here
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (first.size() > 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(10);
      }
      assertThat(first.size()).isZero();
      assertThat(first.limits("a")).isEmpty();
    }
  }

  @Test
  void by_keyOfGivesNull_failsTheItemsStartNamingIt() throws Exception {
    try (RedisKeyedLimiter<String> limiter = MeterRedis.keyedLimiter(connection,
        RedisLimiterConfig.builder("null-key").limits(Limits.of(1)).build())) {
      CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(limiter.by((Integer n) -> null)).build())
          .runOnEach(List.of(7), n -> CompletableFuture.completedFuture(null));
      assertThatThrownBy(() -> run.get(10, TimeUnit.SECONDS)).hasRootCauseMessage("keyOf gave a null key for item 7");
    }
  }

  private static CompletionStage<Void> hostTask(Request request, Map<String, AtomicInteger> running, Map<String, AtomicInteger> most) {
    int now = running.computeIfAbsent(request.host(), h -> new AtomicInteger()).incrementAndGet();
    most.computeIfAbsent(request.host(), h -> new AtomicInteger()).accumulateAndGet(now, Math::max);
    CompletableFuture<Void> done = new CompletableFuture<>();
    Recorder.TIMER.schedule(() -> {
      running.get(request.host()).decrementAndGet();
      done.complete(null);
    }, 5, TimeUnit.MILLISECONDS);
    return done;
  }

  /** The keyed limiter's view for hosts, recording each grant's server time under its quota's name. */
  private static dev.meter.api.spi.Limiter recordingPerHost(Recorder recorder, RedisKeyedLimiter<String> limiter,
      Map<String, ConcurrentLinkedQueue<Long>> grants) {
    return new Watched(recorder.watch(limiter.by(Request::host)), permit -> {
      RedisGrant grant = (RedisGrant) permit;
      grants.computeIfAbsent(grant.quota.name(), q -> new ConcurrentLinkedQueue<>()).add(grant.grantedAtMicros);
    });
  }
}
