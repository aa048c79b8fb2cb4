package dev.meter.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.spi.Limiter;
import dev.meter.core.Meter;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A Redis limiter in one JVM, against a real redis-server: the limits, the leases, refunds and cancels. */
class RedisLimiterTest {
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

  private static RedisLimiter limiter(String name, Limits limits) {
    return MeterRedis.limiter(connection, RedisLimiterConfig.builder(name).limits(limits).build());
  }

  private static long leasesHeld(String name) {
    return connection.sync().zcard("meter:{" + name + "}:leases");
  }

  /** Polls until no lease of {@code name} is left (releases are sent without waiting), 10 s at most. */
  private static void awaitNoLeases(String name) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (leasesHeld(name) > 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
    }
    assertThat(leasesHeld(name)).as("leases left").isZero();
  }

  @Test
  void runOnEach_throughTheQuota_keepsTheEnvelopeAndMaxAtOnce_andGivesEveryLeaseBack() throws Exception {
    // Given a quota of 200 starts a second in bursts of 10, 4 at once, and tasks of 10 ms
    String name = "one-" + UUID.randomUUID();
    Recorder recorder = new Recorder();
    try (RedisLimiter quota = limiter(name, Limits.of(4, Rate.perSecond(200), 10))) {
      RunOptions options = RunOptions.builder().maxAtOnce(16).limiter(recorder.watch(quota)).build();

      // When 300 items run through it
      Meter.with(options).runOnEach(Recorder.items(300), item -> recorder.task(item, 10)).get(60, TimeUnit.SECONDS);

      // Then every one ran, never more than 4 at once, with grants in the envelope by the server's clock
      assertThat(recorder.started).hasValue(300);
      assertThat(recorder.mostRunning.get()).isLessThanOrEqualTo(4);
      assertThat(recorder.grants).hasSize(300);
      Envelope.check(recorder.grants, 200, 10);
      assertThat(quota.stats().started()).isEqualTo(300);
      assertThat(quota.stats().succeeded()).isEqualTo(300);
      assertThat(quota.stats().running()).isZero();
      awaitNoLeases(name);
    }
  }

  @Test
  void twoLimiters_sameName_shareOneQuota() throws Exception {
    // Given two limiters on their own connections, as two JVMs would have, over one quota of 3 at once
    String name = "two-" + UUID.randomUUID();
    Recorder recorder = new Recorder();
    try (StatefulRedisConnection<String, String> other = redis.connect();
        RedisLimiter first = limiter(name, Limits.of(3, Rate.perSecond(300), 5));
        RedisLimiter second = MeterRedis.limiter(other, RedisLimiterConfig.builder(name).limits(Limits.of(3, Rate.perSecond(300), 5)).build())) {
      // When each runs 150 items at once
      CompletableFuture<Void> a = Meter.with(RunOptions.builder().maxAtOnce(8).limiter(recorder.watch(first)).build())
          .runOnEach(Recorder.items(150), item -> recorder.task(item, 5));
      CompletableFuture<Void> b = Meter.with(RunOptions.builder().maxAtOnce(8).limiter(recorder.watch(second)).build())
          .runOnEach(Recorder.items(150), item -> recorder.task(item, 5));
      CompletableFuture.allOf(a, b).get(60, TimeUnit.SECONDS);

      // Then together they kept the one quota
      assertThat(recorder.started).hasValue(300);
      assertThat(recorder.mostRunning.get()).isLessThanOrEqualTo(3);
      Envelope.check(recorder.grants, 300, 5);
      awaitNoLeases(name);
    }
  }

  @Test
  void run_cancelledWhileItWaits_leavesNoLeaseBehind() throws Exception {
    // Given a quota of one at once, held by a task that never ends, and a second start waiting
    String name = "cancel-" + UUID.randomUUID();
    try (RedisLimiter quota = limiter(name, Limits.of(1))) {
      CompletableFuture<Void> run = Meter.with(RunOptions.builder().maxAtOnce(4).limiter(quota).build())
          .runOnEach(Recorder.items(5), item -> new CompletableFuture<>());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (quota.stats().running() < 1 && System.nanoTime() - deadline < 0) {
        Thread.sleep(5);
      }
      assertThat(quota.stats().running()).isEqualTo(1);

      // When the run is cancelled
      run.cancel(true);

      // Then its lease goes back, and the slot serves a new run at once
      awaitNoLeases(name);
      Recorder recorder = new Recorder();
      Meter.with(RunOptions.builder().limiter(quota).build()).runOnEach(Recorder.items(3), item -> recorder.task(item, 1))
          .get(10, TimeUnit.SECONDS);
      assertThat(recorder.started).hasValue(3);
      assertThat(quota.stats().cancelled()).isEqualTo(1);
    }
  }

  @Test
  void refund_whenALaterLimiterRefuses_givesTheLeaseBack() throws Exception {
    // Given the quota (2 at once) followed by a local limiter of 1 at once in the same run
    String name = "refund-" + UUID.randomUUID();
    Recorder recorder = new Recorder();
    try (RedisLimiter quota = limiter(name, Limits.of(2))) {
      SharedLimiter local = Meter.limiter(Limits.of(1));
      RunOptions options = RunOptions.builder().maxAtOnce(4).limiter(recorder.watch(quota)).limiter(local).build();

      // When 20 items run: each second start is granted by Redis, then refused locally and refunded
      Meter.with(options).runOnEach(Recorder.items(20), item -> recorder.task(item, 2)).get(30, TimeUnit.SECONDS);

      // Then all ran, one at a time, and no lease is left in Redis
      assertThat(recorder.started).hasValue(20);
      assertThat(recorder.mostRunning.get()).isEqualTo(1);
      assertThat(recorder.permits.size()).as("some grants were refunded").isGreaterThan(20);
      assertThat(quota.stats().started()).isEqualTo(20);
      awaitNoLeases(name);
    }
  }

  @Test
  void pauseFor_inOneJvm_holdsTheStartsOfAnother() throws Exception {
    String name = "pause-" + UUID.randomUUID();
    Recorder recorder = new Recorder();
    try (StatefulRedisConnection<String, String> other = redis.connect();
        RedisLimiter first = limiter(name, Limits.of(Rate.perSecond(1000), 1));
        RedisLimiter second = MeterRedis.limiter(other, RedisLimiterConfig.builder(name).limits(Limits.of(Rate.perSecond(1000), 1)).build())) {
      // Given the quota paused for 300 ms by the first limiter, once Redis has the pause (it is sent
      // without waiting, on another connection than the second limiter's: an ask of the second sent
      // before it lands is rightly granted; CI met that race once)
      first.pauseFor(Duration.ofMillis(300));
      String pauseKey = "meter:{" + name + "}:pause";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (connection.sync().get(pauseKey) == null && System.nanoTime() - deadline < 0) {
        Thread.sleep(1);
      }
      long pausedUntil = Long.parseLong(connection.sync().get(pauseKey));

      // When the second starts 5 items
      Meter.with(RunOptions.builder().limiter(recorder.watch(second)).build())
          .runOnEach(Recorder.items(5), item -> recorder.task(item, 0)).get(10, TimeUnit.SECONDS);

      // Then none was granted before the pause ended, by the server's clock
      assertThat(new ArrayList<>(recorder.grants)).allSatisfy(at -> assertThat(at).isGreaterThanOrEqualTo(pausedUntil));
    }
  }

  @Test
  void config_badValues_areRefusedNamingThem() {
    assertThatThrownBy(() -> RedisLimiterConfig.builder("")).hasMessage("name must be non-empty and without braces, but was \"\"");
    assertThatThrownBy(() -> RedisLimiterConfig.builder("a{b}")).hasMessageContaining("but was \"a{b}\"");
    RedisLimiterConfig.Builder builder = RedisLimiterConfig.builder("ok");
    assertThatThrownBy(() -> builder.leaseTime(Duration.ofMillis(99))).hasMessage("leaseTime must be >= PT0.1S, but was PT0.099S");
    assertThatThrownBy(() -> builder.commandTimeout(Duration.ZERO)).hasMessage("commandTimeout must be >= PT0.000000001S, but was PT0S");
    assertThatThrownBy(() -> builder.retryInterval(Duration.ofSeconds(-1))).hasMessageStartingWith("retryInterval must be >= ");
    assertThatThrownBy(() -> builder.slotPollInterval(Duration.ZERO)).hasMessageStartingWith("slotPollInterval must be >= ");
    assertThatThrownBy(() -> builder.limits(Limits.of(Rate.perSecond(2_000_000))))
        .hasMessage("rate must be at most 1000000 per second in Redis, but was " + Rate.perSecond(2_000_000));
    assertThatThrownBy(() -> builder.failOpen(Limits.of(Rate.perSecond(2_000_000)))).hasMessageStartingWith("rate must be at most");
    try (RedisLimiter quota = limiter("bad-pause", Limits.of(1))) {
      assertThatThrownBy(() -> quota.pauseFor(Duration.ofSeconds(-1))).hasMessage("duration must be >= 0, but was PT-1S");
      assertThatThrownBy(() -> quota.setRate(Rate.perSecond(5_000_000))).hasMessageStartingWith("rate must be at most");
      assertThatThrownBy(() -> quota.setMaxAtOnce(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }
  }

  @Test
  void permit_ofAnotherLimiter_isNotTakenForOne() {
    // The SPI hands back only this limiter's permits; anything else is a caller's bug, said plainly.
    try (RedisLimiter quota = limiter("foreign", Limits.of(1))) {
      assertThatThrownBy(() -> quota.release(Limiter.GRANTED, 0)).isInstanceOf(ClassCastException.class);
    }
  }
}
