package dev.meter.redis;

import dev.meter.api.Limits;
import dev.meter.api.spi.Limiter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Model checks a quota's local books with Lincheck: starts asked for, woken and retried, tasks
 * released or refunded, waits withdrawn, on three threads, against an in-memory stand-in for Redis that
 * answers at once (two slots, no rate) and a timer that never fires (so nothing is mended by a poll or
 * a sweep). In every interleaving explored, the leases Redis holds are exactly the grants the threads
 * hold plus those ready to be claimed, the waiting count is the waits registered, and no start waits
 * while a slot is free (a lost wake-up).
 */
@Param(name = "thread", gen = ThreadIdGen.class)
@Param(name = "choice", gen = IntGen.class, conf = "0:2")
public class QuotaLincheckTest {
  private static final int SLOTS = 2;

  private final SlotsOnlyRedis redis = new SlotsOnlyRedis(SLOTS);
  private final RedisCounters counters = new RedisCounters();
  private final Quota quota;
  private final Object[] items = {"a", "b", "c"};
  private final Limiter.Permit[] held = new Limiter.Permit[3];
  private final Limiter.Registration[] waits = new Limiter.Registration[3];
  private final AtomicBoolean[] woken = {new AtomicBoolean(), new AtomicBoolean(), new AtomicBoolean()};

  public QuotaLincheckTest() {
    RedisLimiterConfig config = RedisLimiterConfig.builder("model").limits(Limits.of(SLOTS)).build();
    RedisLink link = new RedisLink(redis, config, new NeverFiringTimer());
    AskArguments arguments = AskArguments.of(config.limits(), 10_000_000);
    this.quota = new Quota("model", redis, link, () -> arguments, counters);
  }

  /**
   * This thread's run takes its next step, as the engine would: an idle run asks to start its item
   * (it starts, or waits to be woken); a woken one asks again; a waiting one is cancelled ({@code
   * choice} 0) or waits on; a running task settles, or ({@code choice} 0) is given back because
   * another limit of its run refused the start. One operation with a choice, so that every actor of a
   * random scenario does something.
   */
  @Operation
  public void step(@Param(name = "thread") int thread, @Param(name = "choice") int choice) {
    if (held[thread] != null) {
      RedisGrant grant = (RedisGrant) held[thread];
      held[thread] = null;
      if (choice == 0) {
        quota.refund(grant);
      } else {
        quota.release(grant, null);
      }
    } else if (waits[thread] == null) {
      ask(thread);
    } else if (woken[thread].get()) {
      waits[thread] = null;
      woken[thread].set(false);
      ask(thread);
    } else if (choice == 0) {
      waits[thread].cancel();
      waits[thread] = null;
    }
  }

  private void ask(int thread) {
    Limiter.Decision decision = quota.tryAcquire(items[thread], 0);
    if (decision instanceof Limiter.Permit permit) {
      held[thread] = permit;
    } else {
      AtomicBoolean flag = woken[thread];
      waits[thread] = quota.awaitSignal(items[thread], () -> flag.set(true));
    }
  }

  @Validate
  public void booksBalance_andNoStartWaitsWhileASlotIsFree() {
    int holding = 0;
    int waiting = 0;
    for (int t = 0; t < held.length; t++) {
      holding += held[t] != null ? 1 : 0;
      waiting += waits[t] != null && !woken[t].get() ? 1 : 0;
    }
    if (redis.leased() != holding + quota.readyCount()) {
      throw new AssertionError("redis holds " + redis.leased() + " leases; threads hold " + holding
          + " and " + quota.readyCount() + " are ready");
    }
    if (counters.snapshot().waiting() != waiting) {
      throw new AssertionError("counted " + counters.snapshot().waiting() + " waiting, " + waiting + " wait");
    }
    if (waiting > 0 && redis.leased() < SLOTS) {
      throw new AssertionError(waiting + " wait while " + (SLOTS - redis.leased()) + " slot(s) are free");
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void modelChecking_everyExploredInterleaving_keepsTheBooksAndWakesEveryWaiter() {
    new ModelCheckingOptions().iterations(Integer.getInteger("meter.lincheck.iterations", 20) / 2)
        .invocationsPerIteration(500).threads(3).actorsPerThread(4).check(QuotaLincheckTest.class);
  }
}
