package dev.meter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scripts that hold a quota in Redis, against a real redis-server: the rate's envelope over the
 * server's own timestamps with several clients racing, max-at-once by leases, expiry, renewal, the
 * exact refund, and a server that forgot its scripts.
 */
class RedisScriptsTest {
  private static EmbeddedRedis redis;

  @BeforeAll
  static void startRedis() {
    redis = EmbeddedRedis.start();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    redis.close();
  }

  /** Acquire arguments: interval and tolerance in us, maxAtOnce, lease time in us, a new lease id. */
  private static String[] acquire(long intervalMicros, int burst, int maxAtOnce, long leaseMicros, String id) {
    return new String[] {Long.toString(intervalMicros), Long.toString((burst - 1) * intervalMicros),
        Integer.toString(maxAtOnce), Long.toString(leaseMicros), id};
  }

  private static List<Long> call(RedisScripts scripts, RedisScripts.Script script, String... args) throws Exception {
    return scripts.run(script, args).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void acquire_threeClientsRacing_grantsKeepTheRatesEnvelopeOnTheServersClock() throws Exception {
    // Given a quota of 200 starts a second with bursts of 10, and three clients of their own asking at once
    String name = "rate-" + UUID.randomUUID();
    List<Long> granted = Collections.synchronizedList(new ArrayList<>());
    ExecutorService clients = Executors.newFixedThreadPool(3);
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      done.add(CompletableFuture.runAsync(() -> {
        try (StatefulRedisConnection<String, String> connection = redis.connect()) {
          RedisScripts scripts = new RedisScripts(connection.async(), name);
          long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500);
          while (System.nanoTime() - until < 0) {
            // 20 asks in flight at once, so that the server sees bursts, not one ask per round trip
            List<CompletableFuture<List<Long>>> asks = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
              asks.add(scripts.run(RedisScripts.ACQUIRE, acquire(5_000, 10, 0, 0, "x")).toCompletableFuture());
            }
            for (CompletableFuture<List<Long>> ask : asks) {
              List<Long> answer = ask.get(10, TimeUnit.SECONDS);
              if (answer.get(0) == 1) {
                granted.add(answer.get(1));
              }
            }
          }
        } catch (Exception failed) {
          throw new IllegalStateException(failed);
        }
      }, clients));
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    clients.shutdown();

    // Then the grants, by the server's clock, are within burst + ceil(w * rate) in every window w
    assertThat(granted).hasSizeGreaterThan(100);
    Envelope.check(granted, 200, 10);
  }

  @Test
  void acquire_maxAtOnce_leasesCapTheSlots_andAReleaseFreesOne() throws Exception {
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      RedisScripts scripts = new RedisScripts(connection.async(), "slots-" + UUID.randomUUID());
      for (int i = 0; i < 3; i++) {
        assertThat(call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 3, 60_000_000, "lease-" + i)).get(0)).isEqualTo(1);
      }
      List<Long> refused = call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 3, 60_000_000, "lease-3"));
      assertThat(refused.get(0)).isZero();
      assertThat(refused.get(1)).as("no time to give: wait for a release").isEqualTo(-1);
      assertThat(refused.get(2)).as("until the first lease expires").isBetween(59_000_000L, 60_000_000L);

      scripts.runForNumber(RedisScripts.RELEASE, "lease-1").toCompletableFuture().get(10, TimeUnit.SECONDS);

      assertThat(call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 3, 60_000_000, "lease-3")).get(0)).isEqualTo(1);
    }
  }

  @Test
  void acquire_leaseOfADeadHolder_expires_andItsSlotComesBack() throws Exception {
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      RedisScripts scripts = new RedisScripts(connection.async(), "expiry-" + UUID.randomUUID());
      // Given the one slot leased for 50 ms by a holder that never renews nor releases it
      assertThat(call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 1, 50_000, "dead")).get(0)).isEqualTo(1);
      assertThat(call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 1, 60_000_000, "next")).get(0)).isZero();

      // Then the slot comes back once the lease has expired
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<Long> answer;
      do {
        answer = call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 1, 60_000_000, "next"));
      } while (answer.get(0) == 0 && System.nanoTime() - deadline < 0);
      assertThat(answer.get(0)).isEqualTo(1);
    }
  }

  @Test
  void renew_keepsTheLeasesStillHeld_andRetakesALostOneOnlyIfASlotIsFree() throws Exception {
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      RedisScripts scripts = new RedisScripts(connection.async(), "renew-" + UUID.randomUUID());
      // Given two slots, one leased by "held"
      call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 2, 60_000_000, "held"));

      // When it renews "held" and "lost" (a lease the server no longer has, say after a restart)
      List<Long> first = call(scripts, RedisScripts.RENEW, "60000000", "2", "held", "lost");

      // Then "held" is renewed and "lost" (index 1) taken again, since a slot was free
      assertThat(first).containsExactly(1L, 1L, 0L, 1L);

      // And with both slots now leased, a third lease the server lost is not taken again
      assertThat(call(scripts, RedisScripts.RENEW, "60000000", "2", "held", "lost", "third")).containsExactly(2L, 0L, 1L);
    }
  }

  @Test
  void acquire_granted_saysHowManyMoreTheQuotaWouldGrantNow_andWhenTheNextIsDue() throws Exception {
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      RedisScripts scripts = new RedisScripts(connection.async(), "room-" + UUID.randomUUID());
      // Given one start a minute in bursts of 3, and 5 slots
      List<Long> first = call(scripts, RedisScripts.ACQUIRE, acquire(60_000_000, 3, 5, 60_000_000, "a"));
      assertThat(first.get(4)).as("room after the first of a burst of 3").isEqualTo(2);
      call(scripts, RedisScripts.ACQUIRE, acquire(60_000_000, 3, 5, 60_000_000, "b"));
      List<Long> third = call(scripts, RedisScripts.ACQUIRE, acquire(60_000_000, 3, 5, 60_000_000, "c"));
      assertThat(third.get(4)).as("room after the burst").isZero();
      assertThat(third.get(5)).as("until the next start is due").isBetween(59_000_000L, 60_000_000L);

      // And with two slots, the slots are what is full after the second start
      RedisScripts slots = new RedisScripts(connection.async(), "room-slots-" + UUID.randomUUID());
      assertThat(call(slots, RedisScripts.ACQUIRE, acquire(0, 1, 2, 60_000_000, "a")).subList(4, 6)).containsExactly(1L, 0L);
      assertThat(call(slots, RedisScripts.ACQUIRE, acquire(0, 1, 2, 60_000_000, "b")).subList(4, 6)).containsExactly(0L, -1L);
    }
  }

  @Test
  void pause_refusesEveryStartUntilItEnds_andALaterEndWins() throws Exception {
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      RedisScripts scripts = new RedisScripts(connection.async(), "pause-" + UUID.randomUUID());
      assertThat(scripts.runForNumber(RedisScripts.PAUSE, "60000000").toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(scripts.runForNumber(RedisScripts.PAUSE, "1000000").toCompletableFuture().get(10, TimeUnit.SECONDS))
          .as("a shorter pause does not shorten the one in force").isZero();

      List<Long> refused = call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 0, 0, "a"));
      assertThat(refused.get(0)).isZero();
      assertThat(refused.get(1)).isBetween(59_000_000L, 60_000_000L);
    }
  }

  @Test
  void refund_ofTheLastBooking_undoesItExactly() throws Exception {
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      RedisScripts scripts = new RedisScripts(connection.async(), "refund-" + UUID.randomUUID());
      // Given a rate of one start a minute, bursts of 1, and a start granted
      List<Long> granted = call(scripts, RedisScripts.ACQUIRE, acquire(60_000_000, 1, 0, 0, "a"));
      assertThat(granted.get(0)).isEqualTo(1);
      assertThat(call(scripts, RedisScripts.ACQUIRE, acquire(60_000_000, 1, 0, 0, "b")).get(0)).isZero();

      // When it is refunded (its task never started)
      long undone = scripts.runForNumber(RedisScripts.REFUND, "a", granted.get(3).toString(), granted.get(2).toString())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);

      // Then the next start is granted, as if the first had never been asked for
      assertThat(undone).isEqualTo(1);
      assertThat(call(scripts, RedisScripts.ACQUIRE, acquire(60_000_000, 1, 0, 0, "b")).get(0)).isEqualTo(1);
    }
  }

  @Test
  void run_serverThatForgotItsScripts_loadsThemAgain() throws Exception {
    try (StatefulRedisConnection<String, String> connection = redis.connect()) {
      RedisScripts scripts = new RedisScripts(connection.async(), "flush-" + UUID.randomUUID());
      call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 2, 60_000_000, "a"));
      connection.sync().scriptFlush();
      assertThat(call(scripts, RedisScripts.ACQUIRE, acquire(0, 1, 2, 60_000_000, "b")).get(0)).isEqualTo(1);
    }
  }
}
