package dev.meter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.spi.Limiter;
import dev.meter.core.Meter;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped in the middle of a run and started again (empty, as after a crash): a fail-closed
 * limiter starts nothing meanwhile and then finishes the run with nothing lost; a fail-open one goes on
 * under its local limits and comes back to the quota.
 */
class RedisFaultTest {
  /**
   * How long after the news of the outage the checks start: starts granted just before it (and tasks
   * started then) may still be under way that long on a slow machine.
   */
  private static final long QUIET_AFTER_MILLIS = 500;

  private EmbeddedRedis redis;
  private StatefulRedisConnection<String, String> connection;
  private final Events events = new Events();

  @BeforeEach
  void startRedis() {
    redis = EmbeddedRedis.start();
    connection = redis.connect();
  }

  @AfterEach
  void stopRedis() throws Exception {
    connection.close();
    redis.close();
  }

  /** The listener's news, with when each came (System.nanoTime). */
  static final class Events implements RedisListener {
    final CountDownLatch unavailable = new CountDownLatch(1);
    final CountDownLatch available = new CountDownLatch(1);
    final AtomicLong unavailableAt = new AtomicLong();
    final AtomicLong availableAt = new AtomicLong();
    final List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void onUnavailable(String quota, Throwable cause, boolean fallingBack) {
      said.add("unavailable " + (fallingBack ? "(local limits)" : "(waiting)") + ": " + cause);
      unavailableAt.compareAndSet(0, System.nanoTime());
      unavailable.countDown();
    }

    @Override
    public void onAvailable(String quota, Duration unavailableFor) {
      said.add("available after " + unavailableFor);
      availableAt.compareAndSet(0, System.nanoTime());
      available.countDown();
    }
  }

  private RedisLimiterConfig.Builder config(String name) {
    return RedisLimiterConfig.builder(name).limits(Limits.of(4, Rate.perSecond(200), 5))
        .commandTimeout(Duration.ofMillis(200)).retryInterval(Duration.ofMillis(100)).listener(events);
  }

  /** Stops Redis once {@code recorder} has seen {@code starts} starts, then waits for the news. */
  private void stopRedisAfter(Recorder recorder, int starts) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (recorder.started.get() < starts && System.nanoTime() - deadline < 0) {
      Thread.sleep(1);
    }
    redis.stop();
    assertThat(events.unavailable.await(30, TimeUnit.SECONDS)).as("told that Redis is unavailable").isTrue();
  }

  @Test
  void failClosed_redisStoppedMidRun_startsNothingUntilItIsBack_andLosesNothing() throws Exception {
    // Given a fail-closed quota and a run of 300 items of 5 ms
    Recorder recorder = new Recorder();
    try (RedisLimiter quota = MeterRedis.limiter(connection, config("closed").build())) {
      CompletableFuture<Void> run = Meter.with(RunOptions.builder().maxAtOnce(8).limiter(recorder.watch(quota)).build())
          .runOnEach(Recorder.items(300), item -> recorder.task(item, 5));

      // When Redis stops after 50 starts, stays down for 1.5 s, and comes back empty
      stopRedisAfter(recorder, 50);
      assertThat(quota.isAvailable()).isFalse();
      Thread.sleep(1_500);  // keeps Redis down a while; nothing is measured by this sleep
      long restartedAt = System.nanoTime();
      redis.restart();
      run.get(60, TimeUnit.SECONDS);

      // Then every start went through Redis (no local fallback), none came from a while after the news
      // until the restart (a grant that arrived just before the stop may still be claimed just after
      // it), every item ran exactly once, and the listener heard both changes
      assertThat(recorder.permits).allMatch(permit -> permit instanceof RedisGrant);
      long quiet = events.unavailableAt.get() + TimeUnit.MILLISECONDS.toNanos(QUIET_AFTER_MILLIS);
      assertThat(recorder.starts).noneMatch(start -> start[0] - quiet > 0 && start[0] - restartedAt < 0);
      assertThat(recorder.started).hasValue(300);
      assertThat(recorder.items).hasSize(300);
      assertThat(events.available.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(events.said.get(0)).startsWith("unavailable (waiting)");
      assertThat(events.said).anyMatch(said -> said.startsWith("available after"));
      assertThat(quota.isAvailable()).isTrue();
    }
  }

  @Test
  void failOpen_redisStoppedMidRun_goesOnUnderLocalLimits_andBackToTheQuota() throws Exception {
    // Given a fail-open quota whose local limits are 2 at once, 100 a second
    Recorder recorder = new Recorder();
    RedisLimiterConfig config = config("open").failOpen(Limits.of(2, Rate.perSecond(100), 2)).build();
    try (RedisLimiter quota = MeterRedis.limiter(connection, config)) {
      CompletableFuture<Void> run = Meter.with(RunOptions.builder().maxAtOnce(8).limiter(recorder.watch(quota)).build())
          .runOnEach(Recorder.items(400), item -> recorder.task(item, 5));

      // When Redis stops after 50 starts and comes back after 1.5 s
      stopRedisAfter(recorder, 50);
      Thread.sleep(1_500);  // keeps Redis down a while; nothing is measured by this sleep
      long restartedAt = System.nanoTime();
      redis.restart();
      assertThat(events.available.await(30, TimeUnit.SECONDS)).isTrue();
      run.get(60, TimeUnit.SECONDS);

      // Then starts went on while Redis was down, under the local limits, and came from the quota again after
      long settled = events.unavailableAt.get() + TimeUnit.MILLISECONDS.toNanos(QUIET_AFTER_MILLIS);
      List<long[]> whileDown = new ArrayList<>();
      for (long[] start : recorder.starts) {
        if (start[0] - settled > 0 && start[0] - restartedAt < 0) {
          whileDown.add(start);
        }
      }
      assertThat(whileDown).as("starts while Redis was down").hasSizeGreaterThan(10);
      assertThat(whileDown).allSatisfy(start -> assertThat(start[1]).as("running at a start").isLessThanOrEqualTo(2));
      assertThat(permitsAfter(recorder, events.availableAt.get())).anyMatch(permit -> permit instanceof RedisGrant);
      assertThat(recorder.permits).anyMatch(permit -> permit instanceof LocalPermit);
      assertThat(recorder.started).hasValue(400);
      assertThat(recorder.items).hasSize(400);
      assertThat(events.said.get(0)).startsWith("unavailable (local limits)");
    }
  }

  private static List<Limiter.Permit> permitsAfter(Recorder recorder, long nanos) {
    List<Limiter.Permit> after = new ArrayList<>();
    Iterator<Long> times = recorder.permitTimes.iterator();
    for (Limiter.Permit permit : recorder.permits) {
      if (times.hasNext() && times.next() - nanos > 0) {
        after.add(permit);
      }
    }
    return after;
  }
}
