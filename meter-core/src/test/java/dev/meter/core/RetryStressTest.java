package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.Amap;
import dev.meter.api.AsyncCall;
import dev.meter.api.AsyncTask;
import dev.meter.api.FailurePolicy;
import dev.meter.api.ItemResult;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Outcome;
import dev.meter.api.RetryPolicy;
import dev.meter.api.RunOptions;
import dev.meter.api.TasksFailedException;
import dev.meter.api.TimeSource;
import dev.meter.api.event.MeterStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Randomized runs with retries on real threads: attempts that fail at random, complete at once or later
 * on other threads, through a run's own limit, a shared limiter, a keyed one with lookahead and a rate,
 * under every view and failure policy, with cancels and early closes at random moments.
 *
 * <p>After each run: never more running than any limit allows; an item's attempts never overlap and
 * never exceed the policy's; with nothing cancelled, every item is delivered once, in order where
 * asked, with the attempts it took and the outcome of its last; the run fails exactly when an item's
 * attempts were all spent; no attempt starts after a cancel returned; every permit is back, and the
 * shared limiter counted each attempt as a start and each retried one as retried.
 *
 * <p>{@code -Dmeter.retry.runs=N} sets the number of runs; {@code -Dmeter.retry.seed=S} replays one.
 */
class RetryStressTest {
  private static final int RUNS = Integer.getInteger("meter.retry.runs", 400);

  private static ScheduledExecutorService completer;

  @BeforeAll
  static void startThreads() {
    completer = Executors.newScheduledThreadPool(2, Defaults.daemonThreads("retry-stress-"));
  }

  @AfterAll
  static void stopThreads() {
    completer.shutdownNow();
  }

  @Test
  void randomizedRetries_keepEveryInvariant() throws Exception {
    long base = Long.getLong("meter.retry.seed", System.nanoTime());
    for (int r = 0; r < RUNS; r++) {
      Scenario scenario = new Scenario(base + r);
      try {
        scenario.runAndCheck();
      } catch (Throwable failure) {
        throw new AssertionError("retry run " + r + " broke an invariant: " + scenario
            + "; replay with -Dmeter.retry.seed=" + (base + r) + " -Dmeter.retry.runs=1", failure);
      }
    }
  }

  enum Entry { AMAP_RESULTS, AMAP_ORDERED_RESULTS, RUN_ON_EACH, RUN_ALL_OUTCOMES }

  /** An attempt's own failure: a refusal for load, which adaptive limiters act on. */
  static final class Flaky extends dev.meter.api.OverloadedException {
    Flaky(int item, int attempt) {
      super("item " + item + " attempt " + attempt);
    }
  }

  private static final class Scenario {
    final long seed;
    final Random random;
    final Entry entry;
    final FailurePolicy policy;
    final int n;
    final int maxAtOnce;
    final int sharedAtOnce;
    final int keys;
    final int perKeyAtOnce;
    final int lookahead;
    final double rate;
    final int maxAttempts;
    final int failPercent;
    final int laterPercent;
    /** Cancel (or close) after this many attempts started; -1: never. */
    final int disturbAt;
    final RetryPolicy retry;

    /** The shared limiter: a plain one, or an adaptive one (whose limits come down on the failures). */
    final KeyLimit shared;
    final boolean adaptive;
    final KeyedLimiter<Integer> keyed;
    final AtomicIntegerArray attempts;
    final AtomicIntegerArray runningPerItem;
    final AtomicIntegerArray runningPerKey;
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostRunning = new AtomicInteger();
    final AtomicInteger mostPerKey = new AtomicInteger();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicInteger starts = new AtomicInteger();
    final AtomicInteger startsAfterCancel = new AtomicInteger();
    final AtomicBoolean cancelReturned = new AtomicBoolean();
    volatile Runnable canceller = () -> {};
    /** The canceller began: results may be cut short from here on. */
    volatile boolean disturbed;

    Scenario(long seed) {
      this.seed = seed;
      random = new Random(seed);
      entry = Entry.values()[random.nextInt(Entry.values().length)];
      policy = random.nextBoolean() ? FailurePolicy.FAIL_FAST : FailurePolicy.RUN_ALL_THEN_THROW;
      n = random.nextInt(150);
      maxAtOnce = new int[] {1, 2, 4, 16, 1000}[random.nextInt(5)];
      sharedAtOnce = 1 + random.nextInt(8);
      keys = entry != Entry.RUN_ALL_OUTCOMES && random.nextInt(3) == 0 ? 1 + random.nextInt(4) : 0;  // items are calls there
      perKeyAtOnce = 1 + random.nextInt(2);
      lookahead = random.nextInt(4);
      rate = random.nextInt(4) == 0 ? 20_000 : 0;
      maxAttempts = 1 + random.nextInt(4);
      failPercent = new int[] {0, 10, 30, 60, 100}[random.nextInt(5)];
      laterPercent = random.nextInt(3) * 50;
      disturbAt = random.nextInt(5) == 0 ? random.nextInt(Math.max(1, n)) : -1;
      retry = RetryPolicy.builder().maxAttempts(maxAttempts)
          .backoff(Duration.ZERO, Duration.ofMillis(random.nextInt(2))).retryOn(failure -> failure instanceof Flaky).build();
      adaptive = random.nextBoolean();
      LimiterConfig sharedConfig = LimiterConfig.builder().maxAtOnce(sharedAtOnce).build();
      shared = adaptive ? new DefaultAdaptiveLimiter(AdaptiveConfig.builder(sharedConfig).recoverySuccesses(5).build())
          : new DefaultSharedLimiter(sharedConfig);
      LimiterConfig perKey = LimiterConfig.builder().maxAtOnce(perKeyAtOnce).timeSource(TimeSource.of(completer)).build();
      keyed = keys == 0 ? null : adaptive
          ? Meter.keyedAdaptiveLimiter(AdaptiveConfig.builder(perKey).recoverySuccesses(5).forgetAfter(Duration.ofMillis(50)).build())
          : Meter.keyedLimiter(perKey);
      attempts = new AtomicIntegerArray(Math.max(1, n));
      runningPerItem = new AtomicIntegerArray(Math.max(1, n));
      runningPerKey = new AtomicIntegerArray(Math.max(1, keys));
    }

    /** Whether attempt {@code attempt} of {@code item} fails: fixed by the seed. */
    boolean fails(int item, int attempt) {
      return new Random(seed * 1_000_003L + item * 31L + attempt).nextInt(100) < failPercent;
    }

    /** The attempt on which {@code item} succeeds, or -1 if all fail. */
    int succeedsOn(int item) {
      for (int attempt = 1; attempt <= maxAttempts; attempt++) {
        if (!fails(item, attempt)) {
          return attempt;
        }
      }
      return -1;
    }

    RunOptions options() {
      RunOptions.Builder options = RunOptions.builder().maxAtOnce(maxAtOnce).failurePolicy(policy).retry(retry)
          .limiter(shared);
      if (keyed != null) {
        options.limiter(keyed.by((Integer item) -> item % keys)).lookahead(lookahead);
      }
      if (rate > 0) {
        options.maxPerSecond(rate).maxBurst(4);
      }
      return options.build();
    }

    CompletableFuture<Integer> attempt(int item) {
      int started = starts.incrementAndGet();
      if (cancelReturned.get()) {
        startsAfterCancel.incrementAndGet();
      }
      if (started == disturbAt + 1) {
        completer.execute(canceller);
      }
      int attempt = attempts.incrementAndGet(item);
      if (runningPerItem.incrementAndGet(item) > 1) {
        overlaps.incrementAndGet();
      }
      mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      if (keys > 0) {
        mostPerKey.accumulateAndGet(runningPerKey.incrementAndGet(item % keys), Math::max);
      }
      boolean failed = fails(item, attempt);
      boolean later = random(item, attempt) < laterPercent;
      CompletableFuture<Integer> result = new CompletableFuture<>();
      Runnable end = () -> {
        // The counts drop before the engine hears of the end, so they never undercount what runs.
        runningPerItem.decrementAndGet(item);
        running.decrementAndGet();
        if (keys > 0) {
          runningPerKey.decrementAndGet(item % keys);
        }
        if (failed) {
          result.completeExceptionally(new Flaky(item, attempt));
        } else {
          result.complete(item);
        }
      };
      if (later) {
        completer.schedule(end, random(item, attempt) * 3L, TimeUnit.MICROSECONDS);
      } else {
        end.run();
      }
      return result;
    }

    private int random(int item, int attempt) {
      return new Random(seed * 7 + item * 131L + attempt).nextInt(100);
    }

    void runAndCheck() throws Exception {
      AsyncTask<Integer, Integer> task = this::attempt;
      List<Integer> items = IntStream.range(0, n).boxed().toList();
      Meter meter = Meter.with(options());
      switch (entry) {
        case AMAP_RESULTS, AMAP_ORDERED_RESULTS -> {
          boolean ordered = entry == Entry.AMAP_ORDERED_RESULTS;
          Amap<ItemResult<Integer, Integer>> amap = ordered ? meter.amapOrderedResults(items, task) : meter.amapResults(items, task);
          canceller = () -> {
            disturbed = true;
            amap.close();
            cancelReturned.set(true);
          };
          List<ItemResult<Integer, Integer>> seen = new ArrayList<>();
          try (amap) {
            amap.forEach(seen::add);
          } catch (IllegalStateException closed) {  // a CancellationException too
            // closed by the canceller while iterating
          }
          if (!disturbed) {
            checkResults(seen, ordered);
          }
        }
        case RUN_ON_EACH -> {
          CompletableFuture<Void> run = meter.runOnEach(items, task);
          checkPlainRun(run);
        }
        case RUN_ALL_OUTCOMES -> {
          CompletableFuture<List<Outcome<Integer>>> run = meter.runAllOutcomes(
              items.stream().<AsyncCall<Integer>>map(item -> () -> attempt(item)).toList());
          canceller = () -> {
            disturbed = true;
            run.cancel(true);
            cancelReturned.set(true);
          };
          List<Outcome<Integer>> outcomes = await(run);
          if (outcomes != null && !disturbed) {
            for (int item = 0; item < n; item++) {
              assertThat(outcomes.get(item).isSuccess()).as("item %d succeeded", item).isEqualTo(succeedsOn(item) > 0);
              assertThat(attempts.get(item)).as("item %d's attempts", item).isEqualTo(expectedAttempts(item));
            }
          }
        }
        default -> throw new AssertionError(entry);
      }
      checkLimitsAndPermits();
    }

    private void checkPlainRun(CompletableFuture<Void> run) throws Exception {
      canceller = () -> {
        disturbed = true;
        run.cancel(true);
        cancelReturned.set(true);
      };
      Throwable failure = null;
      try {
        run.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException failed) {
        failure = failed.getCause();
      } catch (CancellationException cancelled) {
        return;
      }
      if (disturbed) {
        return;
      }
      long spent = IntStream.range(0, n).filter(item -> succeedsOn(item) < 0).count();
      if (spent == 0) {
        assertThat(failure).as("the run's failure").isNull();
        return;
      }
      if (policy == FailurePolicy.FAIL_FAST) {
        assertThat(failure).as("the run's failure").isInstanceOf(Flaky.class)
            .hasMessageEndingWith("attempt " + maxAttempts);
      } else {
        assertThat(failure).as("the run's failure").isInstanceOfSatisfying(TasksFailedException.class,
            failed -> assertThat(failed.failures()).hasSize((int) spent)
                .allSatisfy(one -> assertThat(one).hasMessageEndingWith("attempt " + maxAttempts)));
        for (int item = 0; item < n; item++) {
          assertThat(attempts.get(item)).as("item %d's attempts", item).isEqualTo(expectedAttempts(item));
        }
      }
    }

    private int expectedAttempts(int item) {
      int on = succeedsOn(item);
      return on < 0 ? maxAttempts : on;
    }

    private void checkResults(List<ItemResult<Integer, Integer>> seen, boolean ordered) {
      assertThat(seen).as("results").hasSize(n);
      List<Long> indexes = seen.stream().map(ItemResult::index).toList();
      if (ordered) {
        assertThat(indexes).as("indexes in order").isSorted();
      }
      assertThat(indexes).as("each index once").doesNotHaveDuplicates();
      for (ItemResult<Integer, Integer> result : seen) {
        int item = result.item();
        assertThat(result.attempts()).as("item %d's attempts", item).isEqualTo(expectedAttempts(item))
            .isEqualTo(attempts.get(item));
        if (succeedsOn(item) > 0) {
          assertThat(result.outcome().isSuccess()).as("item %d succeeded", item).isTrue();
        } else {
          assertThat(result.outcome().failureOrNull()).as("item %d's failure", item)
              .hasMessage("item " + item + " attempt " + maxAttempts);
        }
      }
    }

    private void checkLimitsAndPermits() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      // A cancelled future completes at once; the run drops what waits and takes in what settles after.
      while ((shared.running() != 0 || running.get() != 0 || ((dev.meter.api.SharedLimiter) shared).stats().waiting() != 0)
          && System.nanoTime() - deadline < 0) {
        Thread.sleep(1);
      }
      assertThat(startsAfterCancel.get()).as("attempts started after the cancel returned").isZero();
      assertThat(overlaps.get()).as("attempts of one item running at once").isZero();
      assertThat(mostRunning.get()).as("most running at once").isLessThanOrEqualTo(Math.min(maxAtOnce, sharedAtOnce));
      assertThat(mostPerKey.get()).as("most running for one key").isLessThanOrEqualTo(perKeyAtOnce);
      for (int item = 0; item < n; item++) {
        assertThat(attempts.get(item)).as("item %d's attempts", item).isLessThanOrEqualTo(maxAttempts);
      }
      assertThat(shared.running()).as("shared permits out").isZero();
      MeterStats stats = ((dev.meter.api.SharedLimiter) shared).stats();
      int itemsStarted = (int) IntStream.range(0, n).filter(item -> attempts.get(item) > 0).count();
      assertThat(stats.started()).as("starts through the shared limiter").isEqualTo(starts.get());
      boolean stoppedEarly = disturbed || (entry == Entry.RUN_ON_EACH && policy == FailurePolicy.FAIL_FAST
          && IntStream.range(0, n).anyMatch(item -> succeedsOn(item) < 0));
      if (!stoppedEarly) {  // a stop drops items backing off: their retries were counted but never started
        assertThat(stats.retried()).as("retried through the shared limiter").isEqualTo(starts.get() - itemsStarted);
      }
      assertThat(stats.waiting()).as("waiting in the shared limiter's count").isZero();
      assertThat(stats.running()).as("running in the shared limiter's count").isZero();
    }

    private static <V> V await(CompletableFuture<V> run) throws Exception {
      try {
        return run.get(60, TimeUnit.SECONDS);
      } catch (CancellationException cancelled) {
        return null;
      }
    }

    @Override
    public String toString() {
      return "Scenario{seed=" + seed + ", entry=" + entry + ", policy=" + policy + ", n=" + n + ", maxAtOnce=" + maxAtOnce
          + ", sharedAtOnce=" + sharedAtOnce + ", keys=" + keys + ", perKeyAtOnce=" + perKeyAtOnce
          + ", lookahead=" + lookahead + ", rate=" + rate + ", maxAttempts=" + maxAttempts + ", fail%=" + failPercent
          + ", later%=" + laterPercent + ", disturbAt=" + disturbAt + ", retry=" + retry + ", adaptive=" + adaptive + "}";
    }
  }
}
