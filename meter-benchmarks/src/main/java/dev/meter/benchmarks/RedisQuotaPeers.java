package dev.meter.benchmarks;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import dev.meter.redis.MeterRedis;
import dev.meter.redis.RedisLimiter;
import dev.meter.redis.RedisLimiterConfig;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * R1 in a forked JVM: {@code callers} callers each start tasks one after another, as fast as a quota in
 * Redis (on loopback, started by {@link Compare}) lets them, for a few seconds; the tasks do nothing, so
 * what is measured is what the quota costs: starts per second over all callers, and the time from one
 * start to the next of the same caller (the latency a start adds: p50, p99). The quota is wide (a
 * million a second, bursts of 1,000) so that it never refuses: only its round trips count.
 *
 * <p>Peers: {@code meter-redis} (a {@link RedisLimiter} of the rate, each caller a run of one at a
 * time), {@code meter-redis-leases} (the same with max-at-once, so each start also takes a lease and
 * its task's end gives it back), and {@code bucket4j-lettuce} (Bucket4j's compare-and-swap proxy over
 * Lettuce, its asynchronous bucket's {@code tryConsume(1)} chained by each caller).
 *
 * <p>Arguments: peer port callers seconds repeats
 */
public final class RedisQuotaPeers {
  static final List<String> PEERS = List.of("meter-redis", "meter-redis-leases", "bucket4j-lettuce");
  static final double PER_SECOND = 1_000_000;
  static final int BURST = 1_000;

  private RedisQuotaPeers() {}

  /** Measures one peer; the arguments are in the class comment. */
  public static void main(String[] args) throws Exception {
    String peer = args[0];
    int port = Integer.parseInt(args[1]);
    int callers = Integer.parseInt(args[2]);
    long nanos = TimeUnit.SECONDS.toNanos(Long.parseLong(args[3]));
    int repeats = Integer.parseInt(args[4]);
    RedisClient client = RedisClient.create("redis://127.0.0.1:" + port);
    try {
      measure(client, peer, callers, TimeUnit.SECONDS.toNanos(1));  // warm-up
      List<Double> perSecond = new ArrayList<>();
      List<long[]> gaps = new ArrayList<>();
      for (int r = 0; r < repeats; r++) {
        long[] run = measure(client, peer, callers, nanos);
        perSecond.add(run.length * 1e9 / nanos);
        gaps.add(run);
      }
      long[] all = gaps.stream().flatMapToLong(Arrays::stream).sorted().toArray();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("startsPerSecond", perSecond.stream().map(v -> String.format("%.0f", v)).collect(Collectors.joining(",")));
      result.put("p50Micros", String.format("%.0f", all[all.length / 2] / 1e3));
      result.put("p99Micros", String.format("%.0f", all[(int) (all.length * 0.99)] / 1e3));
      ForkedResult.report(result);
    } finally {
      client.shutdown();
    }
  }

  /** One measured stretch: each start's gap from the caller's previous one, over all callers. */
  private static long[] measure(RedisClient client, String peer, int callers, long nanos) throws Exception {
    String name = "r1-" + UUID.randomUUID();
    long deadline = System.nanoTime() + nanos;
    Gaps[] perCaller = new Gaps[callers];
    List<CompletableFuture<?>> done = new ArrayList<>();
    if (peer.startsWith("meter-redis")) {
      Limits limits = peer.endsWith("leases")
          ? Limits.of(callers, Rate.perSecond(PER_SECOND), BURST) : Limits.of(Rate.perSecond(PER_SECOND), BURST);
      try (StatefulRedisConnection<String, String> connection = client.connect();
          RedisLimiter quota = MeterRedis.limiter(connection, RedisLimiterConfig.builder(name).limits(limits).build())) {
        for (int c = 0; c < callers; c++) {
          Gaps gaps = perCaller[c] = new Gaps();
          RunOptions options = RunOptions.builder().maxAtOnce(1).limiter(quota).build();
          done.add(Meter.with(options).runOnEach((Iterable<Object>) () -> until(deadline), item -> {
            gaps.started(System.nanoTime());
            return CompletableFuture.completedFuture(null);
          }));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(nanos + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS);
      }
    } else {
      try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
        LettuceBasedProxyManager<byte[]> proxies = Bucket4jLettuce.casBasedBuilder(connection).build();
        BucketConfiguration configuration = BucketConfiguration.builder()
            .addLimit(limit -> limit.capacity(BURST).refillGreedy((long) PER_SECOND, Duration.ofSeconds(1))).build();
        AsyncBucketProxy bucket = proxies.asAsync().builder().build(name.getBytes(StandardCharsets.UTF_8), () -> CompletableFuture.completedFuture(configuration));
        for (int c = 0; c < callers; c++) {
          Gaps gaps = perCaller[c] = new Gaps();
          CompletableFuture<Void> finished = new CompletableFuture<>();
          done.add(finished);
          consumeUntil(bucket, gaps, deadline, finished);
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(nanos + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS);
      }
    }
    return Arrays.stream(perCaller).flatMapToLong(Gaps::values).toArray();
  }

  /** One Bucket4j caller: asks for a token, and when it has one (a start), asks for the next. */
  private static void consumeUntil(AsyncBucketProxy bucket, Gaps gaps, long deadline, CompletableFuture<Void> finished) {
    if (System.nanoTime() - deadline >= 0) {
      finished.complete(null);
      return;
    }
    bucket.tryConsume(1).whenComplete((consumed, failure) -> {
      if (failure != null) {
        finished.completeExceptionally(failure);
        return;
      }
      if (consumed) {
        gaps.started(System.nanoTime());
      }
      consumeUntil(bucket, gaps, deadline, finished);
    });
  }

  /**
   * Items until {@code deadline}, each a new object as a real item would be (a limiter may tell the
   * starts of different items apart by identity).
   */
  private static Iterator<Object> until(long deadline) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return System.nanoTime() - deadline < 0;
      }

      @Override
      public Object next() {
        return new Object();
      }
    };
  }

  /** The time between one caller's consecutive starts. */
  private static final class Gaps {
    private long[] values = new long[4096];
    private int size;
    private long last;

    synchronized void started(long now) {
      if (last != 0) {
        if (size == values.length) {
          values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = now - last;
      }
      last = now;
    }

    synchronized java.util.stream.LongStream values() {
      return Arrays.stream(values, 0, size);
    }
  }
}
