package dev.meter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Limits;
import dev.meter.api.spi.Limiter;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A quota's steps one at a time, against the in-memory Redis of the model-checking test (answers at
 * once, timers never fire): the sequences that model checking explores at random, spelled out.
 */
class QuotaTest {
  private final SlotsOnlyRedis redis = new SlotsOnlyRedis(2);
  private final RedisCounters counters = new RedisCounters();
  private final Quota quota;

  QuotaTest() {
    RedisLimiterConfig config = RedisLimiterConfig.builder("steps").limits(Limits.of(2)).build();
    AskArguments arguments = AskArguments.of(config.limits(), 10_000_000);
    quota = new Quota("steps", redis, new RedisLink(redis, config, new NeverFiringTimer()), () -> arguments, counters);
  }

  private RedisGrant start(Object item) {
    return (RedisGrant) quota.tryAcquire(item, 0);
  }

  @Test
  void release_ofASlot_wakesAStartWaitingForOne_withoutWaitingForThePoll() {
    // Given both slots taken (the second grant said the slots are full), and a third start waiting
    Limiter.Decision first = quota.tryAcquire("a", 0);
    AtomicBoolean aWoken = new AtomicBoolean();
    quota.awaitSignal("a", () -> aWoken.set(true));
    RedisGrant a = start("a");
    quota.awaitSignal("b", () -> {});
    RedisGrant b = start("b");
    AtomicBoolean cWoken = new AtomicBoolean();
    quota.awaitSignal("c", () -> cWoken.set(true));
    assertThat(first).isInstanceOf(Limiter.AwaitSignal.class);
    assertThat(aWoken).isTrue();
    assertThat(cWoken).as("woken while both slots are held").isFalse();

    // When one task settles
    quota.release(a, null);

    // Then the waiting start is woken at once, and takes the freed slot
    assertThat(cWoken).isTrue();
    assertThat(quota.tryAcquire("c", 0)).isInstanceOf(RedisGrant.class);
    assertThat(redis.leased()).isEqualTo(2);
    quota.release(b, null);
    assertThat(redis.leased()).isEqualTo(1);
  }

  @Test
  void cancel_ofAWait_isCountedOut_andRefund_givesTheLeaseBack() {
    quota.awaitSignal("a", () -> {});
    RedisGrant a = start("a");
    quota.awaitSignal("b", () -> {});
    RedisGrant b = start("b");
    Limiter.Registration c = quota.awaitSignal("c", () -> {});
    assertThat(counters.snapshot().waiting()).isEqualTo(1);

    c.cancel();
    quota.refund(a);

    assertThat(counters.snapshot().waiting()).isZero();
    assertThat(redis.leased()).isEqualTo(1);
    assertThat(counters.snapshot().started()).isEqualTo(1);
    quota.release(b, null);
    assertThat(redis.leased()).isZero();
  }

  @Test
  void release_thatReachesRedisAfterAnAskSentLater_stillEndsTheSlotHold() {
    // Given a Redis that runs releases late (after asks sent after them), both slots taken, a start waiting
    SlotsOnlyRedis late = new SlotsOnlyRedis(2, RedisScripts.RELEASE);
    RedisLimiterConfig config = RedisLimiterConfig.builder("late").limits(Limits.of(2)).build();
    AskArguments arguments = AskArguments.of(config.limits(), 10_000_000);
    Quota slow = new Quota("late", late, new RedisLink(late, config, new NeverFiringTimer()), () -> arguments, counters);
    slow.awaitSignal("a", () -> {});
    RedisGrant a = (RedisGrant) slow.tryAcquire("a", 0);
    slow.awaitSignal("b", () -> {});
    slow.tryAcquire("b", 0);
    AtomicBoolean cWoken = new AtomicBoolean();
    slow.awaitSignal("c", () -> cWoken.set(true));

    // When a task settles, and Redis runs its release only after whatever the quota asked meanwhile
    slow.release(a, null);
    late.answerHeld();

    // Then the waiting start is woken, not left to a poll (found by R1: 20 ms stalls, dozens a second)
    assertThat(cWoken).isTrue();
    assertThat(slow.tryAcquire("c", 0)).isInstanceOf(RedisGrant.class);
  }

  @Test
  void renew_thatReachesRedisAfterARelease_doesNotKeepTheLeaseGivenBack() {
    // Given a task holding a lease, and a renewal of it that Redis runs late
    SlotsOnlyRedis late = new SlotsOnlyRedis(2, RedisScripts.RENEW);
    RedisLimiterConfig config = RedisLimiterConfig.builder("renewing").limits(Limits.of(2)).build();
    AskArguments arguments = AskArguments.of(config.limits(), 10_000_000);
    RedisLink link = new RedisLink(late, config, new NeverFiringTimer());
    Quota renewing = new Quota("renewing", late, link, () -> arguments, counters);
    LeaseRenewal renewal = new LeaseRenewal(link, java.time.Duration.ofSeconds(10), () -> arguments, () -> {});
    renewing.awaitSignal("a", () -> {});
    RedisGrant a = (RedisGrant) renewing.tryAcquire("a", 0);
    renewal.renewNow();

    // When the task settles, and its release reaches Redis before the renewal sent earlier
    renewing.release(a, null);
    late.answerHeld();

    // Then the renewal does not take back the lease the task gave up (found by MultiJvmTest on CI: a
    // child's last lease left behind for the lease time, the renewal having found a free slot for it)
    assertThat(late.leased()).isZero();
  }
}
