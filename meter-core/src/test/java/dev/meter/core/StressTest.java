package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Amap;
import dev.meter.api.AsyncCall;
import dev.meter.api.AsyncTask;
import dev.meter.api.FailurePolicy;
import dev.meter.api.ItemResult;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Outcome;
import dev.meter.api.RunOptions;
import dev.meter.api.TimeSource;
import dev.meter.api.Runner;
import dev.meter.api.Source;
import dev.meter.api.TasksFailedException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many randomized runs on real threads: random limits, entry points, sources, task behaviours
 * (instant, later on a timer thread, thrown, failed later, null stage, blocking), failure policies,
 * early close and cancellation. After each run it checks the invariants every run must keep:
 * never more than {@code maxAtOnce} running, no item started twice, nothing running once the run
 * has ended, at most one item pulled ahead of the starts (plus the lookahead when a keyed limit
 * holds items aside), every started item's result delivered exactly once where results are
 * delivered, the right failure thrown; and with a keyed limit, never more than its limit running for
 * one key and nothing left held in it after the run.
 *
 * <p>{@code -Dmeter.stress.runs=N} sets the number of runs (1000 in the build);
 * {@code -Dmeter.stress.seed=S} replays a failed run.
 */
class StressTest {
  private static final int RUNS = Integer.getInteger("meter.stress.runs", 1000);
  private static final long SETTLE_SECONDS = 60;

  private static ScheduledExecutorService timers;
  private static ExecutorService blockingPool;

  @BeforeAll
  static void startThreads() {
    timers = Executors.newScheduledThreadPool(2, Defaults.daemonThreads("stress-timer-"));
    blockingPool = Executors.newFixedThreadPool(8, Defaults.daemonThreads("stress-blocking-"));
  }

  @AfterAll
  static void stopThreads() {
    timers.shutdownNow();
    blockingPool.shutdownNow();
  }

  @Test
  void randomizedRuns_keepEveryInvariant() throws InterruptedException {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    long base = Long.getLong("meter.stress.seed", System.nanoTime());
    for (int r = 0; r < RUNS; r++) {
      Scenario scenario = new Scenario(base + r);
      try {
        scenario.runAndCheck();
      } catch (Throwable failure) {
        throw new AssertionError("stress run " + r + " broke an invariant: " + scenario
            + "; replay with -Dmeter.stress.seed=" + (base + r) + " -Dmeter.stress.runs=1", failure);
      }
    }
    assertNoThreadLeftBehind(before);
  }

  /**
   * After every run has ended, no new thread may remain but the test's own pools and meter's small
   * shared timer pool, and no pool thread may still be working on a task.
   */
  private static void assertNoThreadLeftBehind(Set<Thread> before) throws InterruptedException {
    ThreadPoolExecutor pool = (ThreadPoolExecutor) blockingPool;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
    while (pool.getActiveCount() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(1);  // a pool thread counts as active until its last task's runnable has returned
    }
    assertThat(pool.getActiveCount()).as("blocking tasks still running after every run ended").isZero();
    List<String> added = Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> !before.contains(thread) && thread.isAlive())
        .map(Thread::getName)
        .filter(name -> !name.startsWith("stress-"))
        .toList();
    assertThat(added).as("threads the runs left behind").allMatch(name -> name.startsWith("meter-timer-"));
    assertThat(added).as("meter's shared timer pool, bounded")
        .hasSizeLessThanOrEqualTo(Math.max(4, Runtime.getRuntime().availableProcessors()));
  }

  enum Behaviour { NOW, LATER, THROW, FAIL_LATER, NULL_STAGE }

  enum Entry { AMAP_CAPTURE, AMAP_ORDERED_CAPTURE, AMAP_FAIL_FAST, PUBLISHER_CAPTURE, RUN_ON_EACH, RUN_ALL_OUTCOMES, RUN_ANY }

  enum SourceKind { LIST, ITERATOR, STREAM, PUBLISHER }

  /** A task's own failure, naming its item so a test can tell whose failure it sees. */
  static final class Boom extends RuntimeException {
    final int item;

    Boom(int item) {
      super("boom " + item, null, false, false);
      this.item = item;
    }
  }

  private static final class Scenario {
    final long seed;
    final Random random;
    final int n;
    final int maxAtOnce;
    final double rate;
    final int burst;
    final Entry entry;
    final SourceKind sourceKind;
    final boolean blocking;
    final FailurePolicy policy;
    final int bufferSize;
    /** After this many results (amap) or starts (futures) the run is closed or cancelled; -1: never. */
    final int disturbAt;
    final Behaviour[] behaviours;
    final long[] delayMicros;
    /** A keyed limit on {@code item % keys} (0: none), with this much lookahead. */
    final int keys;
    final int maxAtOncePerKey;
    final double ratePerKey;
    final int lookahead;
    final KeyedLimiter<Integer> keyed;

    final Probe probe;
    final AtomicInteger pulled = new AtomicInteger();
    /** Blocking tasks handed to the executor: started as far as limits go, though a cancel may beat their body. */
    final AtomicInteger submitted = new AtomicInteger();
    final AtomicReference<CompletableFuture<?>> future = new AtomicReference<>();
    final AtomicInteger startsForCancel = new AtomicInteger();
    volatile boolean disturbed;

    Scenario(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
      entry = pick(Entry.values());
      n = entry == Entry.RUN_ANY ? 1 + random.nextInt(60) : random.nextInt(120);
      maxAtOnce = pick(new int[] {1, 2, 3, 5, 8, 16, 64});
      rate = random.nextInt(4) == 0 ? 5_000 + random.nextInt(50_000) : 0;
      burst = rate > 0 ? 1 + random.nextInt(8) : 1;
      sourceKind = entry == Entry.RUN_ALL_OUTCOMES || entry == Entry.RUN_ANY ? SourceKind.LIST : pick(SourceKind.values());
      blocking = random.nextInt(4) == 0;
      policy = random.nextBoolean() ? FailurePolicy.FAIL_FAST : FailurePolicy.RUN_ALL_THEN_THROW;
      bufferSize = 1 + random.nextInt(32);
      disturbAt = random.nextInt(5) == 0 ? random.nextInt(Math.max(1, n)) : -1;
      int failurePercent = pick(new int[] {0, 0, 1, 10, 50});
      behaviours = new Behaviour[n];
      delayMicros = new long[n];
      for (int i = 0; i < n; i++) {
        boolean fails = random.nextInt(100) < failurePercent;
        boolean later = random.nextBoolean();
        behaviours[i] = fails
            ? (later ? Behaviour.FAIL_LATER : (random.nextInt(4) == 0 ? Behaviour.NULL_STAGE : Behaviour.THROW))
            : (later ? Behaviour.LATER : Behaviour.NOW);
        delayMicros[i] = random.nextInt(500);
      }
      boolean keyedEntry = entry != Entry.RUN_ALL_OUTCOMES && entry != Entry.RUN_ANY;  // items are calls there
      keys = keyedEntry && random.nextInt(3) == 0 ? 1 + random.nextInt(5) : 0;
      maxAtOncePerKey = 1 + random.nextInt(3);
      ratePerKey = keys > 0 && random.nextInt(3) == 0 ? 5_000 + random.nextInt(20_000) : 0;
      lookahead = random.nextInt(10);
      if (keys > 0) {
        LimiterConfig.Builder perKey = LimiterConfig.builder().maxAtOnce(maxAtOncePerKey).timeSource(TimeSource.of(timers));
        if (ratePerKey > 0) {
          perKey.maxPerSecond(ratePerKey);
        }
        keyed = Meter.keyedLimiter(perKey.build());
        probe = new Probe(item -> (Integer) item % keys, keys);
      } else {
        keyed = null;
        probe = new Probe();
      }
    }

    private <E> E pick(E[] values) {
      return values[random.nextInt(values.length)];
    }

    private int pick(int[] values) {
      return values[random.nextInt(values.length)];
    }

    @Override
    public String toString() {
      return "Scenario{seed=" + seed + ", entry=" + entry + ", n=" + n + ", maxAtOnce=" + maxAtOnce
          + ", rate=" + rate + ", burst=" + burst + ", source=" + sourceKind + ", blocking=" + blocking
          + ", policy=" + policy + ", bufferSize=" + bufferSize
          + ", disturbAt=" + disturbAt + ", keys=" + keys + ", maxAtOncePerKey=" + maxAtOncePerKey
          + ", ratePerKey=" + ratePerKey + ", lookahead=" + lookahead
          + ", behaviours=" + Arrays.toString(behaviours) + "}";
    }

    boolean failing(int i) {
      return behaviours[i] == Behaviour.THROW || behaviours[i] == Behaviour.FAIL_LATER
          || behaviours[i] == Behaviour.NULL_STAGE;
    }

    Runner runner() {
      RunOptions.Builder options = RunOptions.builder()
          .maxAtOnce(maxAtOnce)
          .failurePolicy(policy)
          .bufferSize(bufferSize)
          .executor(command -> {
            submitted.incrementAndGet();
            blockingPool.execute(command);
          });
      if (rate > 0) {
        options.maxPerSecond(rate).maxBurst(burst);
      }
      if (keyed != null) {
        options.limiter(keyed.by((Integer item) -> item % keys)).lookahead(lookahead);
      }
      return Meter.with(options.build());
    }

    // ---- the task ----

    AsyncTask<Integer, Integer> task() {
      if (blocking) {
        return Meter.blocking(this::blockingBody);
      }
      return this::asyncBody;
    }

    private CompletableFuture<Integer> asyncBody(int i) {
      maybeCancelOnStart();
      switch (behaviours[i]) {
        case NOW:
          return probe.track(i, CompletableFuture.completedFuture(i * 2));
        case LATER: {
          CompletableFuture<Integer> later = new CompletableFuture<>();
          timers.schedule(() -> later.complete(i * 2), delayMicros[i], TimeUnit.MICROSECONDS);
          return probe.track(i, later);
        }
        case THROW:
          probe.begin(i);
          probe.end(i);
          throw new Boom(i);
        case FAIL_LATER: {
          CompletableFuture<Integer> later = new CompletableFuture<>();
          timers.schedule(() -> later.completeExceptionally(new Boom(i)), delayMicros[i], TimeUnit.MICROSECONDS);
          return probe.track(i, later);
        }
        case NULL_STAGE:
          probe.begin(i);
          probe.end(i);
          return null;
        default:
          throw new AssertionError(behaviours[i]);
      }
    }

    private Integer blockingBody(int i) throws InterruptedException {
      maybeCancelOnStart();
      probe.begin(i);
      try {
        if (behaviours[i] == Behaviour.LATER || behaviours[i] == Behaviour.FAIL_LATER) {
          TimeUnit.MICROSECONDS.sleep(delayMicros[i]);  // stands for blocking I/O, interruptible
        }
        if (failing(i)) {
          throw new Boom(i);
        }
        return i * 2;
      } finally {
        probe.end(i);
      }
    }

    /** Futures are cancelled from a timer thread when the disturbAt-th task starts. */
    private void maybeCancelOnStart() {
      if (disturbAt >= 0 && startsForCancel.incrementAndGet() == disturbAt + 1 && isFutureEntry()) {
        timers.execute(() -> {
          CompletableFuture<?> run = future.get();
          if (run != null) {
            disturbed = true;
            run.cancel(true);
          }
        });
      }
    }

    boolean isFutureEntry() {
      return entry == Entry.RUN_ON_EACH || entry == Entry.RUN_ALL_OUTCOMES || entry == Entry.RUN_ANY;
    }

    // ---- the source ----

    Source<Integer> source() {
      switch (sourceKind) {
        case LIST:
          return Source.from(countingIterable());
        case ITERATOR:
          return Source.from(countingIterable().iterator());
        case STREAM:
          return Source.from(IntStream.range(0, n).boxed().peek(i -> pulled.incrementAndGet()));
        case PUBLISHER:
          RangePublisher publisher = new RangePublisher(n);
          return Source.from(subscriber -> publisher.subscribe(new Flow.Subscriber<Integer>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
              subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(Integer item) {
              pulled.incrementAndGet();
              subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable failure) {
              subscriber.onError(failure);
            }

            @Override
            public void onComplete() {
              subscriber.onComplete();
            }
          }));
        default:
          throw new AssertionError(sourceKind);
      }
    }

    Iterable<Integer> countingIterable() {
      return () -> new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          return next < n;
        }

        @Override
        public Integer next() {
          pulled.incrementAndGet();
          return next++;
        }
      };
    }

    List<AsyncCall<Integer>> calls() {
      AsyncTask<Integer, Integer> task = task();
      List<AsyncCall<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int item = i;
        calls.add(blocking ? Meter.blocking(() -> blockingBody(item)) : () -> {
          pulled.incrementAndGet();
          return task.apply(item);
        });
      }
      return calls;
    }

    // ---- run and check ----

    void runAndCheck() throws Exception {
      switch (entry) {
        case AMAP_CAPTURE:
          checkCaptured(iterate(runner().amapResults(source(), task())), false);
          break;
        case AMAP_ORDERED_CAPTURE:
          checkCaptured(iterate(runner().amapOrderedResults(source(), task())), true);
          break;
        case PUBLISHER_CAPTURE:
          checkCaptured(subscribe(runner().amapResults(source(), task())), false);
          break;
        case AMAP_FAIL_FAST:
          runPlainAmap();
          break;
        case RUN_ON_EACH:
          runOnEach();
          break;
        case RUN_ALL_OUTCOMES:
          runAllOutcomes();
          break;
        case RUN_ANY:
          runAny();
          break;
        default:
          throw new AssertionError(entry);
      }
      checkLimitsAndPulls();
    }

    private <E> List<E> iterate(Amap<E> amap) {
      List<E> seen = new ArrayList<>();
      iterateInto(amap, seen);
      return seen;
    }

    /** Iterates into {@code seen}, closing early at {@code disturbAt} results; rethrows the run's failure. */
    private <E> void iterateInto(Amap<E> amap, List<E> seen) {
      try (amap) {
        Iterator<E> results = amap.iterator();
        if (disturbAt == 0) {
          disturbed = true;
          return;
        }
        while (results.hasNext()) {
          seen.add(results.next());
          if (seen.size() == disturbAt) {
            disturbed = true;
            return;
          }
        }
      } finally {
        assertThat(probe.active.get()).as("tasks running after the amap was closed").isZero();
      }
    }

    private <E> List<E> subscribe(Amap<E> amap) throws InterruptedException {
      List<E> seen = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<Throwable> error = new AtomicReference<>();
      int batch = 1 + random.nextInt(5);
      amap.asPublisher().subscribe(new Flow.Subscriber<E>() {
        Flow.Subscription subscription;
        int inBatch;

        @Override
        public void onSubscribe(Flow.Subscription s) {
          subscription = s;
          s.request(batch);
        }

        @Override
        public void onNext(E element) {
          seen.add(element);
          if (seen.size() == disturbAt) {
            disturbed = true;
            subscription.cancel();
            done.countDown();
            return;
          }
          if (++inBatch == batch) {
            inBatch = 0;
            subscription.request(batch);
          }
        }

        @Override
        public void onError(Throwable failure) {
          error.set(failure);
          done.countDown();
        }

        @Override
        public void onComplete() {
          done.countDown();
        }
      });
      assertThat(done.await(SETTLE_SECONDS, TimeUnit.SECONDS)).as("publisher finished").isTrue();
      amap.close();
      assertThat(error.get()).as("a capturing run never fails").isNull();
      assertThat(probe.active.get()).as("tasks running after the amap was closed").isZero();
      return seen;  // the latch orders the subscriber's writes before this read
    }

    private void checkCaptured(List<ItemResult<Integer, Integer>> results, boolean ordered) {
      Set<Long> indexes = new HashSet<>();
      long previous = -1;
      for (ItemResult<Integer, Integer> result : results) {
        int i = (int) result.index();
        assertThat(indexes.add(result.index())).as("item %s delivered twice", i).isTrue();
        assertThat(probe.started).as("delivered item %s was started", i).contains(i);
        checkOutcome(i, result.outcome());
        if (ordered) {
          assertThat(result.index()).as("input order").isEqualTo(previous + 1);
          previous = result.index();
        }
      }
      if (!disturbed) {
        assertThat(indexes).as("every item delivered once").hasSize(n);
        assertThat(probe.started).hasSize(n);
      }
    }

    private void checkOutcome(int i, Outcome<Integer> outcome) {
      if (!failing(i)) {
        assertThat(outcome.getOrThrow()).as("result of item %s", i).isEqualTo(i * 2);
      } else if (behaviours[i] == Behaviour.NULL_STAGE && !blocking) {
        assertThat(outcome.failureOrNull()).as("null stage of item %s", i).isInstanceOf(NullPointerException.class);
      } else {
        assertThat(outcome.failureOrNull()).as("failure of item %s", i).isInstanceOfSatisfying(Boom.class,
            boom -> assertThat(boom.item).isEqualTo(i));
      }
    }

    private void runPlainAmap() {
      List<Integer> seen = new ArrayList<>();
      Throwable thrown = null;
      Amap<Integer> amap = runner().amap(source(), task());
      try {
        iterateInto(amap, seen);
      } catch (Throwable failure) {
        thrown = failure;
      }
      Set<Integer> values = new HashSet<>(seen);
      assertThat(values).as("no result delivered twice").hasSize(seen.size());
      for (int value : seen) {
        assertThat(value % 2).isZero();
        assertThat(failing(value / 2)).isFalse();
        assertThat(probe.started).contains(value / 2);
      }
      boolean aFailingItemStarted = probe.started.stream().anyMatch(i -> failing((Integer) i));
      if (thrown == null) {
        if (!disturbed) {  // a consumer that closes early may never see a failure it did not wait for
          assertThat(aFailingItemStarted).as("a started item failed, yet the run did not").isFalse();
          assertThat(seen).hasSize(n);
        }
      } else {
        assertThat(aFailingItemStarted).as("failed with %s though no failing item started", thrown).isTrue();
        checkRunFailure(thrown, policy);
      }
      if (policy == FailurePolicy.RUN_ALL_THEN_THROW && !disturbed) {
        assertThat(probe.started).as("run-all-then-throw attempts every task").hasSize(n);
      }
    }

    /** The run's failure: a started item's own failure, or for run-all-then-throw all of them. */
    private void checkRunFailure(Throwable thrown, FailurePolicy policyUsed) {
      if (policyUsed == FailurePolicy.RUN_ALL_THEN_THROW) {
        assertThat(thrown).isInstanceOf(TasksFailedException.class);
        long failedStarted = probe.started.stream().filter(i -> failing((Integer) i)).count();
        assertThat(((TasksFailedException) thrown).failures()).hasSize((int) failedStarted);
        return;
      }
      if (thrown instanceof Boom boom) {
        assertThat(failing(boom.item)).isTrue();
        assertThat(probe.started).contains(boom.item);
      } else {
        assertThat(thrown).isInstanceOf(NullPointerException.class);
      }
      for (Throwable later : thrown.getSuppressed()) {
        assertThat(later).isInstanceOfAny(Boom.class, NullPointerException.class);
      }
    }

    private void expose(CompletableFuture<?> run) {
      future.set(run);
      if (disturbAt >= 0 && startsForCancel.get() > disturbAt) {
        disturbed = true;   // the start that should cancel came before the future existed
        run.cancel(true);
      }
    }

    private Throwable outcomeOf(CompletableFuture<?> run) throws Exception {
      try {
        run.get(SETTLE_SECONDS, TimeUnit.SECONDS);
        return null;
      } catch (ExecutionException failure) {
        return failure.getCause();
      } catch (CancellationException cancelled) {
        assertThat(disturbed).as("cancelled, but nobody cancelled it").isTrue();
        awaitNothingRunning();
        return cancelled;
      }
    }

    /** A cancelled future completes at once; its tasks settle right after (a blocking one may still be unwinding). */
    private void awaitNothingRunning() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
      while (probe.active.get() != 0 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(probe.active.get()).as("tasks running after the cancelled run").isZero();
    }

    private void runOnEach() throws Exception {
      CompletableFuture<Void> run = runner().runOnEach(source(), task());
      expose(run);
      Throwable thrown = outcomeOf(run);
      if (thrown instanceof CancellationException) {
        return;
      }
      assertThat(probe.active.get()).as("tasks running after the run completed").isZero();
      boolean aFailingItemStarted = probe.started.stream().anyMatch(i -> failing((Integer) i));
      if (thrown == null) {
        assertThat(aFailingItemStarted).as("a started item failed, yet the run did not").isFalse();
        assertThat(probe.started).hasSize(n);
      } else {
        checkRunFailure(thrown, policy);
        if (policy == FailurePolicy.RUN_ALL_THEN_THROW) {
          assertThat(probe.started).as("run-all-then-throw attempts every task").hasSize(n);
        }
      }
    }

    private void runAllOutcomes() throws Exception {
      CompletableFuture<List<Outcome<Integer>>> run = runner().runAllOutcomes(calls());
      expose(run);
      Throwable thrown = outcomeOf(run);
      if (thrown instanceof CancellationException) {
        return;
      }
      assertThat(thrown).isNull();
      assertThat(probe.active.get()).isZero();
      List<Outcome<Integer>> outcomes = run.join();
      assertThat(outcomes).hasSize(n);
      for (int i = 0; i < n; i++) {
        checkOutcome(i, outcomes.get(i));
      }
    }

    private void runAny() throws Exception {
      CompletableFuture<Integer> run = runner().runAny(calls());
      expose(run);
      Throwable thrown = outcomeOf(run);
      if (thrown instanceof CancellationException) {
        return;
      }
      assertThat(probe.active.get()).as("losers still running after runAny completed").isZero();
      boolean anySucceeds = IntStream.range(0, n).anyMatch(i -> !failing(i));
      if (thrown == null) {
        int value = run.join();
        assertThat(failing(value / 2)).isFalse();
        assertThat(probe.started).contains(value / 2);
      } else {
        assertThat(anySucceeds).as("runAny failed with %s though an item succeeds", thrown).isFalse();
        assertThat(thrown).isInstanceOf(TasksFailedException.class);
        assertThat(((TasksFailedException) thrown).failures()).hasSize(n);
      }
    }

    private void checkLimitsAndPulls() throws InterruptedException {
      assertThat(probe.peak.get()).as("peak running").isLessThanOrEqualTo(maxAtOnce);
      assertThat(probe.duplicateStarts.get()).as("items started twice").isZero();
      int started = blocking ? submitted.get() : probe.started.size();
      int heldAside = keyed == null ? 0 : lookahead;
      assertThat(pulled.get()).as("items pulled ahead of their start").isLessThanOrEqualTo(started + 1 + heldAside);
      if (keyed != null) {
        assertThat(probe.peakOfAnyKey()).as("peak running for one key").isLessThanOrEqualTo(maxAtOncePerKey);
        // The run's future may complete (a cancel) just before its tasks settle and give their permits back.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        while ((keyed.stats().running() != 0 || keyed.stats().waiting() != 0) && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        assertThat(keyed.stats().running()).as("permits still held in the keyed limit").isZero();
        assertThat(keyed.stats().waiting()).as("items still waiting in the keyed limit").isZero();
      }
    }
  }
}
