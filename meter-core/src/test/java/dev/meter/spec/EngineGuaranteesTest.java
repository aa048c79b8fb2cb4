package dev.meter.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.meter.api.Amap;
import dev.meter.api.AsyncTask;
import dev.meter.api.BlockingTask;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.spi.Limiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.event.MeterListener;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.Source;
import dev.meter.api.event.TaskEvent;
import dev.meter.api.TaskTimeoutException;
import dev.meter.api.TimeSource;
import dev.meter.core.Meter;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's guarantees on its edge paths, written against the public API only: cancellation while
 * tasks complete synchronously, faults in user callbacks, timeouts that fire early, clock wrap-around.
 * Each test is one behaviour the README promises.
 */
class EngineGuaranteesTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  /** A consumer thread that waits for the first result, until the amap's close cancels it. */
  private static void waitForAResultInBackground(Amap<?> amap) {
    Thread consumer = new Thread(() -> {
      try {
        amap.iterator().hasNext();
      } catch (RuntimeException expected) {
        // the close cancels the run it waits on
      }
    });
    consumer.start();
  }

  private static CompletionStage<Object> done(Object value) {
    return CompletableFuture.completedFuture(value);
  }

  /** An iterator that never ends and counts what was pulled. */
  private static Iterator<Integer> endless(AtomicLong pulled) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Integer next() {
        return (int) pulled.getAndIncrement();
      }
    };
  }

  // ---- 1. cancel is seen between any two starts, also when every task completes synchronously ----

  @Test
  void amap_cancelFromConsumerWhileTasksCompleteSynchronously_stopsStarting() {
    // Given an amap over 5,000,000 items whose tasks are done on return, consumed as a publisher
    AtomicLong started = new AtomicLong();
    AtomicLong startedAfterCancel = new AtomicLong();
    AtomicBoolean cancelled = new AtomicBoolean();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Amap<Integer> amap = Meter.withDefaults().amap(IntStream.range(0, 5_000_000).boxed().toList(), i -> {
      started.incrementAndGet();
      if (cancelled.get()) {
        startedAfterCancel.incrementAndGet();
      }
      return CompletableFuture.completedFuture(i);
    });

    // When the consumer cancels its subscription after its 1,000th result
    assertTimeoutPreemptively(PATIENCE, () -> amap.asPublisher().subscribe(new Flow.Subscriber<>() {
      private Flow.Subscription subscription;
      private int seen;

      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(Integer item) {
        if (++seen == 1_000) {
          subscription.cancel();
          cancelled.set(true);
        }
      }

      @Override
      public void onError(Throwable throwable) {
        done.complete(null);
      }

      @Override
      public void onComplete() {
        done.complete(null);
      }
    }));
    amap.close();

    // Then no task started after the cancel
    assertThat(startedAfterCancel.get()).isZero();
    assertThat(started.get()).isLessThan(5_000_000);
  }

  // ---- 2. no entry point runs unbounded work on the caller's thread before returning ----

  @Test
  void runOnEach_endlessSourceOfInstantTasks_returnsAFutureThatCancels() {
    // Given a source of 50,000,000 items (endless for this test) whose tasks are done on return
    AtomicLong pulled = new AtomicLong();
    Iterator<Integer> items = endless(pulled);
    Source<Integer> source = Source.from(new Iterator<Integer>() {
      @Override
      public boolean hasNext() {
        return pulled.get() < 50_000_000;
      }

      @Override
      public Integer next() {
        return items.next();
      }
    });

    // When runOnEach is called
    CompletableFuture<Void> run = assertTimeoutPreemptively(PATIENCE,
        () -> Meter.withDefaults().runOnEach(source, EngineGuaranteesTest::done));

    // Then it returned long before the source ran out, and cancelling the future stops the run
    assertThat(pulled.get()).isLessThan(50_000_000);
    run.cancel(true);
    assertThat(run).isCancelled();
    long afterCancel = pulled.get();
    assertTimeoutPreemptively(PATIENCE, () -> {
      while (pulled.get() != afterCancel) {  // at most the start in progress
        Thread.sleep(10);
      }
    });
  }

  // ---- 3. once cancel() returned, no task of that run starts ----

  @Test
  void runOnEach_cancelAtRandomMoments_noStartAfterCancelReturned() throws Exception {
    ScheduledExecutorService other = Executors.newSingleThreadScheduledExecutor();
    try {
      AtomicLong lateStarts = new AtomicLong();
      for (int trial = 0; trial < 2_000; trial++) {
        // Given a run starting tasks that each complete a little later, on another thread
        AtomicBoolean cancelReturned = new AtomicBoolean();
        CompletableFuture<Void> run = Meter.with(RunOptions.builder().maxAtOnce(4).build()).runOnEach(
            IntStream.range(0, 2_000).boxed().toList(), i -> {
              if (cancelReturned.get()) {
                lateStarts.incrementAndGet();
              }
              CompletableFuture<Object> later = new CompletableFuture<>();
              other.execute(() -> later.complete(i));
              return later;
            });

        // When it is cancelled from this thread at a random moment
        long spin = ThreadLocalRandom.current().nextLong(20_000);
        long until = System.nanoTime() + spin;
        while (System.nanoTime() - until < 0) {
          Thread.onSpinWait();
        }
        run.cancel(true);
        cancelReturned.set(true);
        assertThat(run).isDone();  // cancelled, or done already if the spin outlasted the run
      }

      // Then no task ever started after the cancel had returned
      assertThat(lateStarts.get()).isZero();
    } finally {
      other.shutdownNow();
    }
  }

  // ---- 4. one run's code never delays another run's timers ----

  @Test
  void runOnEach_listenerBlocksOnTimerWakeUp_otherRunsTimersStillFire() throws Exception {
    // Given a rate-limited run whose listener blocks in onStarted until released (at most 10 s)
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger startsA = new AtomicInteger();
    MeterListener blocking = new MeterListener() {
      @Override
      public void onStarted(TaskEvent event) {
        if (startsA.incrementAndGet() == 2) {  // the second start comes from a timer
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
    CompletableFuture<Void> slow = Meter.with(RunOptions.builder().maxPerSecond(20).listener(blocking).build())
        .runOnEach(List.of(1, 2), EngineGuaranteesTest::done);
    while (startsA.get() < 2) {
      Thread.sleep(1);
    }

    // When an unrelated run needs three timer wake-ups at 10/s
    CompletableFuture<Void> other = Meter.with(RunOptions.builder().maxPerSecond(10).build())
        .runOnEach(List.of(1, 2, 3), EngineGuaranteesTest::done);

    // Then it completes while the first run's listener still blocks
    try {
      assertThat(other).succeedsWithin(Duration.ofSeconds(8));
      assertThat(release.getCount()).isOne();
    } finally {
      release.countDown();
      slow.join();
    }
  }

  // ---- 5. a fault in a callback never hangs a run and never leaks a permit ----

  @Test
  void runOnEach_listenerThrowsStackOverflowError_runCompletesAndPermitComesBack() {
    // Given a shared limiter of 1 at once, and a listener that overflows its stack on every start
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder().maxAtOnce(1).build());
    MeterListener broken = new MeterListener() {
      @Override
      public void onStarted(TaskEvent event) {
        throw new StackOverflowError("listener");
      }
    };

    // When a run goes through both
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(limiter).listener(broken).build())
        .runOnEach(List.of(1, 2, 3), EngineGuaranteesTest::done);

    // Then it completes, the permit is back, and the next run through the limiter completes too
    assertThat(run).succeedsWithin(PATIENCE);
    assertThat(limiter.stats().running()).isZero();
    assertThat(Meter.with(RunOptions.builder().limiter(limiter).build())
        .runOnEach(List.of(1, 2), EngineGuaranteesTest::done)).succeedsWithin(PATIENCE);
  }

  @Test
  void runOnEach_timeoutSchedulerShutDown_runFailsAndPermitComesBack() {
    // Given a scheduler that was shut down, used for task timeouts, and a shared limiter
    VirtualTime dead = VirtualTime.create();
    dead.shutDown();
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder().maxAtOnce(1).build());

    // When a run with a task timeout starts a task
    CompletableFuture<Void> run = Meter.with(RunOptions.builder()
            .limiter(limiter).timeSource(dead).taskTimeout(Duration.ofSeconds(1)).build())
        .runOnEach(List.of(1, 2), i -> new CompletableFuture<>());

    // Then the run fails with the scheduler's rejection, and the permit is back
    assertThat(run).failsWithin(PATIENCE).withThrowableThat()
        .havingCause().isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    assertThat(limiter.stats().running()).isZero();
  }

  /** A limiter that counts its permits and whose release throws on the first call. */
  private static final class ThrowingRelease implements Limiter {
    final AtomicInteger held = new AtomicInteger();
    final AtomicBoolean thrown = new AtomicBoolean();

    @Override
    public Decision tryAcquire(Object item, long nowNanos, long waitingSinceNanos) {
      held.incrementAndGet();
      return GRANTED;
    }

    @Override
    public void refund(Permit permit, long nowNanos) {
      held.decrementAndGet();
    }

    @Override
    public void release(Permit permit, long nowNanos) {
      held.decrementAndGet();
      if (thrown.compareAndSet(false, true)) {
        throw new IllegalStateException("release is broken");
      }
    }

    @Override
    public Registration awaitSignal(Object item, Runnable wakeUp) {
      wakeUp.run();
      return () -> {};
    }
  }

  @Test
  void runOnEach_limiterReleaseThrows_runFailsAndEveryOtherPermitComesBack() {
    // Given a limiter whose release throws once, and a second limiter after it
    ThrowingRelease broken = new ThrowingRelease();
    SharedLimiter shared = Meter.limiter(LimiterConfig.builder().maxAtOnce(10).build());
    List<CompletableFuture<Object>> tasks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tasks.add(new CompletableFuture<>());
    }

    // When five running tasks settle at once
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(broken).limiter(shared).build())
        .runOnEach(IntStream.range(0, 5).boxed().toList(), tasks::get);
    CompletableFuture<Void> allSettle = CompletableFuture.runAsync(() -> tasks.forEach(t -> t.complete(1)));
    allSettle.join();

    // Then the run fails with the fault, and every permit of both limiters is back
    assertThat(run).failsWithin(PATIENCE).withThrowableThat().havingRootCause().withMessage("release is broken");
    assertThat(broken.held.get()).isZero();
    assertThat(shared.stats().running()).isZero();
  }

  @Test
  void runOnEach_keyFunctionThrowsOnSecondCall_keyIsNotLockedForGood() {
    // Given a keyed limiter of one at once per key, and a key function that throws on its second call
    KeyedLimiter<String> perHost = Meter.keyedLimiter(LimiterConfig.builder().maxAtOnce(1).build());
    AtomicInteger calls = new AtomicInteger();
    Limiter byHost = perHost.<String>by(item -> {
      if (calls.incrementAndGet() == 2) {
        throw new IllegalStateException("key function is broken");
      }
      return "host";
    });

    // When a run goes through it, and then another through the same key
    CompletableFuture<Void> first = Meter.with(RunOptions.builder().limiter(byHost).build())
        .runOnEach(List.of("a"), EngineGuaranteesTest::done);
    first.exceptionally(e -> null).join();
    CompletableFuture<Void> second = Meter.with(RunOptions.builder().limiter(perHost.<String>by(item -> "host")).build())
        .runOnEach(List.of("b", "c"), EngineGuaranteesTest::done);

    // Then the key is free again: the second run completes
    assertThat(second).succeedsWithin(PATIENCE);
  }

  // ---- 6. a source whose close throws does not keep tasks running ----

  @Test
  void runOnEach_streamOnCloseThrowsWhileFailingFast_tasksCancelledAndCloseFaultSuppressed() {
    // Given a stream whose onClose throws, and tasks that run until cancelled, one of which fails
    AtomicInteger cancelled = new AtomicInteger();
    Stream<Integer> items = IntStream.range(0, 4).boxed().onClose(() -> {
      throw new IllegalStateException("close is broken");
    });
    List<CompletableFuture<Object>> tasks = new ArrayList<>();

    // When the last task fails
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().maxAtOnce(4).build())
        .runOnEach(Source.from(items), i -> {
          CompletableFuture<Object> task = new CompletableFuture<>();
          task.whenComplete((v, e) -> {
            if (e instanceof CancellationException) {
              cancelled.incrementAndGet();
            }
          });
          tasks.add(task);
          return task;
        });
    tasks.get(3).completeExceptionally(new IllegalArgumentException("task 3 failed"));

    // Then the other tasks are cancelled, the run fails with the task's failure, and the close fault
    // rides along as suppressed
    assertThat(run).failsWithin(PATIENCE).withThrowableThat().havingCause()
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).anySatisfy(
            s -> assertThat(s).hasMessage("close is broken")));
    assertThat(cancelled.get()).isEqualTo(3);
  }

  @Test
  void amapClose_subscriptionCancelThrows_tasksCancelledAndClosePrompt() {
    // Given a publisher source whose subscription's cancel throws, and tasks that run until cancelled
    Flow.Publisher<Integer> publisher = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
      int next;

      @Override
      public void request(long n) {
        for (long i = 0; i < n; i++) {
          subscriber.onNext(next++);
        }
      }

      @Override
      public void cancel() {
        throw new IllegalStateException("cancel is broken");
      }
    });
    AtomicInteger cancelled = new AtomicInteger();
    CountDownLatch allStarted = new CountDownLatch(3);
    Amap<Integer> amap = Meter.with(RunOptions.builder().maxAtOnce(3).build()).amap(Source.from(publisher), i -> {
      allStarted.countDown();
      CompletableFuture<Integer> task = new CompletableFuture<>();
      task.whenComplete((v, e) -> {
        if (e instanceof CancellationException) {
          cancelled.incrementAndGet();
        }
      });
      return task;
    });

    // When the amap is iterated on another thread and closed from this one while its tasks run
    waitForAResultInBackground(amap);
    assertTimeoutPreemptively(PATIENCE, () -> {
      allStarted.await();
      amap.close();
    });

    // Then the running tasks were cancelled
    assertThat(cancelled.get()).isEqualTo(3);
  }

  // ---- 7. a timeout that fires while apply() is still running is not lost ----

  @Test
  void runOnEach_timeoutFiresDuringApply_runFailsWithTimeout() {
    // Given a 5 ms timeout, in virtual time, and a task whose apply takes 20 ms before returning a future
    // that never completes
    VirtualTime time = VirtualTime.create();
    AsyncTask<Integer, Object> slowToStart = i -> {
      time.advance(Duration.ofMillis(20));  // the timeout falls due inside apply
      return new CompletableFuture<>();
    };

    // When the run starts it
    CompletableFuture<Void> run = Meter.with(RunOptions.builder()
            .timeSource(time).taskTimeout(Duration.ofMillis(5)).build())
        .runOnEach(List.of(1), slowToStart);
    time.advance(Duration.ZERO);

    // Then it fails with the timeout
    assertThat(run).isCompletedExceptionally();
    assertThatThrownBy(run::join).hasCauseInstanceOf(TaskTimeoutException.class);
  }

  // ---- 8. a refund takes back the grant it refunds, not the latest one ----

  @Test
  void sharedLimiter_refundOfAnOlderGrant_doesNotAllowTwoStartsAtOneInstant() {
    // Given a shared limiter of 1 per second, burst 1, in virtual time
    VirtualTime time = VirtualTime.create();
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder()
        .maxPerSecond(1).timeSource(time).build());

    // When A is granted at 10 s, B at 12 s, and A is then refunded
    time.advance(Duration.ofSeconds(10));
    Limiter.Decision a = limiter.tryAcquire("A", time.read(), time.read());
    assertThat(a).isInstanceOf(Limiter.Permit.class);
    time.advance(Duration.ofSeconds(2));
    assertThat(limiter.tryAcquire("B", time.read(), time.read())).isInstanceOf(Limiter.Permit.class);
    limiter.refund((Limiter.Permit) a, time.read());

    // Then C is refused at 12 s: B already started at that instant
    assertThat(limiter.tryAcquire("C", time.read(), time.read())).isNotInstanceOf(Limiter.Permit.class);
  }

  // ---- 9. clock readings are compared as differences ----

  @Test
  void runOnEach_tickerWrapsPastLongMaxValue_rateStillHolds() {
    // Given a clock whose readings wrap past Long.MAX_VALUE a little after the run starts
    VirtualTime time = VirtualTime.startingAt(Long.MAX_VALUE - Duration.ofMillis(100).toNanos());
    AtomicInteger started = new AtomicInteger();

    // When 100 items run at 200 per second
    CompletableFuture<Void> run = Meter.with(RunOptions.builder()
            .maxPerSecond(200).timeSource(time).build())
        .runOnEach(IntStream.range(0, 100).boxed().toList(), i -> {
          started.incrementAndGet();
          return done(i);
        });
    time.advance(Duration.ofMillis(200));

    // Then after 200 ms no more than 1 + 200 * 0.2 have started
    assertThat(started.get()).isLessThanOrEqualTo(41);
    time.advance(Duration.ofSeconds(1));
    assertThat(run).isCompleted();
  }

  // ---- 10. a run that fails to start does not make close() wait forever ----

  @Test
  void amapClose_iteratorThrewAtStart_returns() {
    // Given a rate-limited amap whose clock throws
    Amap<Object> amap = Meter.with(RunOptions.builder().maxPerSecond(10).timeSource(new TimeSource() {
      @Override
      public long read() {
        throw new IllegalStateException("clock is broken");
      }

      @Override
      public Scheduled schedule(Runnable callback, long delayNanos) {
        throw new IllegalStateException("clock is broken");
      }
    }).build()).amap(List.of(1, 2), EngineGuaranteesTest::done);

    // When iterating it throws
    assertThatThrownBy(() -> amap.iterator().hasNext()).hasMessageContaining("clock is broken");

    // Then close returns
    assertTimeoutPreemptively(Duration.ofSeconds(5), amap::close);
  }

  // ---- 11. idle keys are forgotten with time, not only when new keys arrive ----

  @Test
  void keyedLimiter_manyKeysGoIdle_areForgottenWithoutNewKeys() {
    // Given 100,000 keys used once at 5 per second each, in virtual time
    VirtualTime time = VirtualTime.create();
    KeyedLimiter<Integer> perUser = Meter.keyedLimiter(LimiterConfig.builder()
        .maxPerSecond(5).timeSource(time).build());
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(perUser.<Integer>by(i -> i))
            .timeSource(time).build())
        .runOnEach(IntStream.range(0, 100_000).boxed().toList(), EngineGuaranteesTest::done);
    time.advance(Duration.ZERO);
    assertThat(run).isCompleted();

    // When they stay idle for a second, and then 100 new keys come
    time.advance(Duration.ofSeconds(1));
    Meter.with(RunOptions.builder().limiter(perUser.<Integer>by(i -> i)).timeSource(time).build())
        .runOnEach(IntStream.range(200_000, 200_100).boxed().toList(), EngineGuaranteesTest::done).join();

    // Then the idle keys were forgotten: about the 100 new ones are held
    assertThat(perUser.size()).isLessThanOrEqualTo(200);
  }

  // ---- 12. a blocking task called from inside another task still ends before close returns ----

  @Test
  void amapClose_blockingTaskCalledInsideATask_returnsOnlyAfterItsBodyEnded() {
    // Given a task that calls a Meter.blocking task inside its own code, whose body takes a while to
    // leave after its interrupt
    AtomicBoolean bodyEnded = new AtomicBoolean(true);
    CountDownLatch running = new CountDownLatch(1);
    AsyncTask<Integer, Integer> inner = Meter.blocking((BlockingTask<Integer, Integer>) i -> {
      bodyEnded.set(false);
      running.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException interrupted) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        while (System.nanoTime() - until < 0) {
          Thread.onSpinWait();
        }
      } finally {
        bodyEnded.set(true);
      }
      return i;
    });
    Amap<Integer> amap = Meter.withDefaults().amap(List.of(1), i -> inner.apply(i));

    // When it is iterated on another thread and closed from this one while the body runs
    waitForAResultInBackground(amap);
    assertTimeoutPreemptively(PATIENCE, () -> {
      running.await();
      amap.close();
    });

    // Then the body had ended by the time close returned
    assertThat(bodyEnded.get()).isTrue();
  }
}
