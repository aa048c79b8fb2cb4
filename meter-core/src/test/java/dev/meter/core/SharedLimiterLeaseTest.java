package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Limits;
import dev.meter.api.AsyncTask;
import dev.meter.api.FailurePolicy;
import dev.meter.api.LimiterConfig;
import dev.meter.api.event.MeterStats;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * A shared limiter with no limit lends runs blocks of permits (see {@link DefaultSharedLimiter#lease}):
 * the books, the statistics and a limit or pause set while runs hold leases must come out as if every
 * start had asked the limiter.
 */
class SharedLimiterLeaseTest {
  private final VirtualTime time = VirtualTime.create();

  @Test
  void runOnEach_unlimitedLimiterInstantPendingAndFailingTasks_statsAndBooksBalance() {
    // Given a limiter of no limit, and a run whose tasks are instant, pending (ended by the test) or failing
    DefaultSharedLimiter limiter = new DefaultSharedLimiter(LimiterConfig.builder().timeSource(time).build());
    List<CompletableFuture<Integer>> pending = new ArrayList<>();
    AsyncTask<Integer, Integer> task = i -> {
      if (i % 7 == 0) {
        CompletableFuture<Integer> later = new CompletableFuture<>();
        pending.add(later);
        return later;
      }
      if (i % 11 == 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("item " + i));
      }
      return CompletableFuture.completedFuture(i);
    };
    RunOptions options = RunOptions.builder().limiter(limiter).maxAtOnce(100).timeSource(time)
        .failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).build();

    // When 10,000 items run, with the pending ones held, then ended one by one (each end lets more start)
    CompletableFuture<Void> run = Meter.with(options).runOnEach(IntStream.range(0, 10_000).boxed().toList(), task);
    MeterStats whilePending = limiter.stats();
    int runningWhilePending = limiter.running();
    for (int k = 0; k < pending.size(); k++) {
      pending.get(k).complete(0);  // the run drains on this thread and may add more pending tasks
    }

    // Then the limiter counted the pending tasks as running, and at the end every start, success and failure
    assertThat(run).isCompletedExceptionally();
    assertThat(runningWhilePending).isEqualTo(100);
    assertThat(whilePending.running()).isEqualTo(100);
    MeterStats stats = limiter.stats();
    long failures = IntStream.range(0, 10_000).filter(i -> i % 7 != 0 && i % 11 == 0).count();
    assertThat(stats.started()).isEqualTo(10_000);
    assertThat(stats.failed()).isEqualTo(failures);
    assertThat(stats.succeeded()).isEqualTo(10_000 - failures);
    assertThat(stats.running()).isZero();
    assertThat(stats.waiting()).isZero();
    assertThat(limiter.running()).isZero();
    assertThat(limiter.hasWaiters()).isFalse();
  }

  @Test
  void runOnEach_pausedFromInsideATaskOnALease_nothingStartsBeforeThePauseEnds() {
    // Given a limiter of no limit, and a run of instant tasks the 100th of which pauses the limiter
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder().timeSource(time).build());
    AtomicInteger started = new AtomicInteger();
    AsyncTask<Integer, Integer> task = i -> {
      started.incrementAndGet();
      if (i == 99) {
        limiter.pauseFor(Duration.ofSeconds(1));
      }
      return CompletableFuture.completedFuture(i);
    };

    // When the run starts
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(limiter).timeSource(time).build())
        .runOnEach(IntStream.range(0, 200).boxed().toList(), task);

    // Then the pause holds the 101st start until it ends, and the rest start then
    assertThat(started).hasValue(100);
    time.advance(Duration.ofMillis(999));
    assertThat(started).hasValue(100);
    time.advance(Duration.ofMillis(1));
    assertThat(run).isCompleted();
    assertThat(started).hasValue(200);
  }

  @Test
  void runOnEach_afterAPauseEnds_startsGoOnLeasesAgain() {
    // Given a limiter of no limit, paused by the 100th task of a run
    DefaultSharedLimiter limiter = new DefaultSharedLimiter(LimiterConfig.builder().timeSource(time).build());
    List<Integer> runningSeen = new ArrayList<>();
    AsyncTask<Integer, Integer> task = i -> {
      if (i == 99) {
        limiter.pauseFor(Duration.ofSeconds(1));
      }
      if (i == 150) {
        runningSeen.add(limiter.running());  // a start on a lease sees the whole block lent
      }
      return CompletableFuture.completedFuture(i);
    };

    // When the pause ends and the run goes on
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(limiter).timeSource(time).build())
        .runOnEach(IntStream.range(0, 200).boxed().toList(), task);
    time.advance(Duration.ofSeconds(1));

    // Then the later starts were lent a block again, not asked one by one under the lock
    assertThat(run).isCompleted();
    assertThat(runningSeen).containsExactly(Leases.BLOCK);
  }

  @Test
  void runOnEach_maxAtOnceSetFromInsideATaskOnALease_laterStartsKeepIt() {
    // Given a limiter of no limit, and a run whose 50th task sets maxAtOnce to 2 and whose later tasks pend
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder().timeSource(time).build());
    Probe probe = new Probe();
    AtomicBoolean limited = new AtomicBoolean();
    AsyncTask<Integer, Integer> task = i -> {
      if (i == 49) {
        limiter.setMaxAtOnce(2);
        limited.set(true);
      }
      if (!limited.get()) {
        return CompletableFuture.completedFuture(i);
      }
      probe.begin(i);
      return time.delay(Duration.ofSeconds(1), i).whenComplete((value, failure) -> probe.end(i));
    };

    // When the run goes on in virtual time
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(limiter).timeSource(time).build())
        .runOnEach(IntStream.range(0, 60).boxed().toList(), task);
    time.advance(Duration.ofSeconds(10));

    // Then from the change on, at most 2 ran at once (the task that set it among them)
    assertThat(run).isCompleted();
    assertThat(probe.peak.get()).isEqualTo(2);
    assertThat(probe.started).hasSize(11);
    assertThat(((DefaultSharedLimiter) limiter).running()).isZero();
  }

  @RepeatedTest(5)
  void runOnEach_twoRunsOnLeasesWhileALimitComesAndGoes_startsAfterEachSetKeepIt() throws Exception {
    // Given a limiter of no limit shared by two runs on two threads, whose tasks are instant or end on a
    // real timer, and a third thread that sets maxAtOnce to 3, then back to unlimited, again and again
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder().build());
    AtomicInteger active = new AtomicInteger();
    AtomicInteger limitedSince = new AtomicInteger();  // 0: no limit; else the limit in force
    AtomicInteger violations = new AtomicInteger();
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    ExecutorService callers = Executors.newFixedThreadPool(3);
    AtomicBoolean done = new AtomicBoolean();
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int run = 0; run < 2; run++) {
        long seed = new SplittableRandom().nextLong();
        runs.add(callers.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          AsyncTask<Integer, Integer> task = i -> {
            // Read the limit before counting this start: a limit set after the read may find it running
            int limit = limitedSince.get();
            int now = active.incrementAndGet();
            // A start decided before a set may call its task after it: one per run, hence the 2
            if (limit > 0 && now > limit + 2) {
              violations.incrementAndGet();
            }
            if (random.nextInt(4) != 0) {
              active.decrementAndGet();
              return CompletableFuture.completedFuture(i);
            }
            CompletableFuture<Integer> later = new CompletableFuture<>();
            timers.schedule(() -> {
              active.decrementAndGet();
              later.complete(i);
            }, random.nextInt(300), TimeUnit.MICROSECONDS);
            return later;
          };
          Meter.with(RunOptions.builder().limiter(limiter).maxAtOnce(16).build())
              .runOnEach(IntStream.range(0, 20_000).boxed().toList(), task).join();
        }));
      }
      callers.submit(() -> {
        SplittableRandom random = new SplittableRandom();
        while (!done.get()) {
          // Limit first, then say so; lift the announcement first, then the limit: the announced limit
          // is always in force
          limiter.setMaxAtOnce(3);
          awaitFewerThan(active, 4, done);  // tasks started before the limit may still run: wait them out
          limitedSince.set(3);
          LockSupport.parkNanos(random.nextInt(500_000));  // how long does not matter to the checks
          limitedSince.set(0);
          limiter.setMaxAtOnce(Limits.UNLIMITED);
          LockSupport.parkNanos(random.nextInt(500_000));  // how long does not matter to the checks
        }
      });
      for (Future<?> run : runs) {
        run.get(120, TimeUnit.SECONDS);
      }
    } finally {
      done.set(true);
      timers.shutdownNow();
      callers.shutdownNow();
    }
    // Then no start made while the limit was announced found more running than the limit allows
    assertThat(violations).hasValue(0);
    assertThat(((DefaultSharedLimiter) limiter).running()).isZero();
  }

  private static void awaitFewerThan(AtomicInteger active, int bound, AtomicBoolean done) {
    while (active.get() >= bound && !done.get()) {
      Thread.onSpinWait();
    }
  }
}
