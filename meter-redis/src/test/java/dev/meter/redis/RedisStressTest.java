package dev.meter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Randomized runs through two limiters on two connections (as two JVMs) over one quota, with task
 * failures, slow tasks, runs cancelled at random moments and limits changed
 * and restored while runs go on. After each round: never more than max-at-once ran, every grant kept
 * the envelope on the server's clock, every run ended, no item started twice in a run, and every
 * lease went back to Redis.
 *
 * <p>{@code -Dmeter.redis.stress.rounds=N} sets the rounds (40 in the build); a failure names its seed.
 */
class RedisStressTest {
  private static final int ROUNDS = Integer.getInteger("meter.redis.stress.rounds", 40);
  private static final Limits LIMITS = Limits.of(4, Rate.perSecond(2_000), 20);

  private static EmbeddedRedis redis;
  private static StatefulRedisConnection<String, String> first;
  private static StatefulRedisConnection<String, String> second;

  @BeforeAll
  static void startRedis() {
    redis = EmbeddedRedis.start();
    first = redis.connect();
    second = redis.connect();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    first.close();
    second.close();
    redis.close();
  }

  @Test
  void randomRuns_cancelsFailuresAndLimitChanges_keepEveryLimitAndLeaveNothingBehind() throws Exception {
    long base = Long.getLong("meter.redis.stress.seed", System.nanoTime());
    for (int round = 0; round < ROUNDS; round++) {
      long seed = base + round;
      try {
        round(new Random(seed));
      } catch (Throwable failure) {
        throw new AssertionError("round " + round + " failed; replay with -Dmeter.redis.stress.seed=" + seed
            + " -Dmeter.redis.stress.rounds=1", failure);
      }
    }
  }

  private static void round(Random random) throws Exception {
    String name = "stress-" + UUID.randomUUID();
    Recorder recorder = new Recorder();
    AtomicInteger twice = new AtomicInteger();
    try (RedisLimiter a = limiter(first, name); RedisLimiter b = limiter(second, name)) {
      List<CompletableFuture<Void>> runs = new ArrayList<>();
      int count = 2 + random.nextInt(3);
      for (int r = 0; r < count; r++) {
        RedisLimiter quota = random.nextBoolean() ? a : b;
        Set<Integer> started = ConcurrentHashMap.newKeySet();
        long taskSeed = random.nextLong();
        RunOptions options = RunOptions.builder().maxAtOnce(1 + random.nextInt(8)).limiter(recorder.watch(quota)).build();
        runs.add(Meter.with(options).runOnEach(Recorder.items(20 + random.nextInt(40)), item -> {
          if (!started.add(item)) {
            twice.incrementAndGet();
            throw new AssertionError("item " + item + " started twice");
          }
          return task(recorder, item, new Random(taskSeed + item));
        }));
      }
      // Cancel some runs at random moments; change one limiter's limits and put them back
      for (CompletableFuture<Void> run : runs) {
        if (random.nextInt(3) == 0) {
          Recorder.TIMER.schedule(() -> run.cancel(true), random.nextInt(30), TimeUnit.MILLISECONDS);
        }
      }
      if (random.nextBoolean()) {
        RedisLimiter changed = random.nextBoolean() ? a : b;
        changed.setLimits(Limits.of(2, Rate.perSecond(1_000), 5));   // tighter: the envelope and cap of LIMITS still hold
        Recorder.TIMER.schedule(() -> changed.setLimits(LIMITS), random.nextInt(20), TimeUnit.MILLISECONDS);
      }

      // Then every run ends
      for (CompletableFuture<Void> run : runs) {
        try {
          run.get(30, TimeUnit.SECONDS);
        } catch (CancellationException | ExecutionException ended) {
          // cancelled, or failed by a task's failure: either way it ended
        }
      }
      assertThat(twice).as("items started twice in a run").hasValue(0);
      assertThat(recorder.mostRunning.get()).as("most running at once").isLessThanOrEqualTo(LIMITS.maxAtOnce());
      Envelope.check(recorder.grants, 2_000, 20);
      awaitNoLeases(name);
      awaitSettled(a);
      awaitSettled(b);
    }
  }

  private static RedisLimiter limiter(StatefulRedisConnection<String, String> connection, String name) {
    return MeterRedis.limiter(connection, RedisLimiterConfig.builder(name).limits(LIMITS).leaseTime(Duration.ofSeconds(5)).build());
  }

  /** A task that succeeds soon, fails at once or later, or (rarely) runs long. */
  private static CompletionStage<Void> task(Recorder recorder, int item, Random random) {
    int kind = random.nextInt(20);
    if (kind == 0) {
      throw new IllegalStateException("failed at once: " + item);
    }
    // kind 2 is a slow one: it holds its slot long after the others are done (and is often cancelled meanwhile)
    long millis = kind == 2 ? 50 + random.nextInt(100) : random.nextInt(3);
    Recorder.Running<Integer> running = recorder.task(item, millis);
    // The run's future for the task: cancelling it (the run was cancelled, or failed fast) stops the
    // work first, as a task that stops when told to does.
    CompletableFuture<Void> result = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        running.cancel(mayInterruptIfRunning);
        return super.cancel(mayInterruptIfRunning);
      }
    };
    running.whenComplete((done, failure) -> {
      if (failure != null) {
        result.completeExceptionally(failure);
      } else if (kind == 1) {
        result.completeExceptionally(new IllegalStateException("failed later: " + item));
      } else {
        result.complete(null);
      }
    });
    return result;
  }

  private static void awaitNoLeases(String name) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (first.sync().zcard("meter:{" + name + "}:leases") > 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(2);
    }
    assertThat(first.sync().zcard("meter:{" + name + "}:leases")).as("leases left in Redis").isZero();
  }

  /** The limiter's books balance: nothing running or waiting, every start ended one way or another. */
  private static void awaitSettled(RedisLimiter limiter) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((limiter.stats().running() != 0 || limiter.stats().waiting() != 0) && System.nanoTime() - deadline < 0) {
      Thread.sleep(2);
    }
    assertThat(limiter.stats().running()).as("running").isZero();
    assertThat(limiter.stats().waiting()).as("waiting").isZero();
    assertThat(limiter.stats().finished()).as("finished").isEqualTo(limiter.stats().started());
  }
}
