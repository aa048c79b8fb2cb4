package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Amap;
import dev.meter.api.FailurePolicy;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.spi.Limiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.event.MeterListener;
import dev.meter.api.RetryPolicy;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.Source;
import dev.meter.api.event.TaskEvent;
import dev.meter.api.TimeSource;
import java.time.Duration;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Randomized runs with faults injected into everything a user hands in: listeners that throw (errors
 * too), limiters whose every method may throw, key functions that throw, sources whose iterator or
 * close throws, a time source that refuses to schedule; and cancels at random moments of runs whose
 * tasks complete synchronously, over sources too long to finish. Seeded and replayable.
 *
 * <p>After each run: it ended (no hang); no task started after the cancel had returned; every permit of
 * every limiter is back; and the run's own counting invariants held throughout (they are asserted
 * inside the engine after its steps, and a broken one would surface as an {@link AssertionError} in the
 * run's failure).
 */
class FaultInjectionStressTest {
  private static final int RUNS = Integer.getInteger("meter.faults.runs", 400);

  private static ExecutorService completer;

  @BeforeAll
  static void startThreads() {
    completer = Executors.newFixedThreadPool(2, Defaults.daemonThreads("faults-completer-"));
  }

  @AfterAll
  static void stopThreads() {
    completer.shutdownNow();
  }

  @Test
  void randomizedFaults_runsEndPermitsComeBackNoStartAfterCancel() throws Exception {
    long base = Long.getLong("meter.faults.seed", System.nanoTime());
    for (int r = 0; r < RUNS; r++) {
      Scenario scenario = new Scenario(base + r);
      try {
        scenario.runAndCheck();
      } catch (Throwable failure) {
        throw new AssertionError("fault run " + r + " broke a guarantee: " + scenario
            + "; replay with -Dmeter.faults.seed=" + (base + r) + " -Dmeter.faults.runs=1", failure);
      }
    }
  }

  /** An injected fault: recognisable, so that only faults the test did not inject count as bugs. */
  static final class Injected extends RuntimeException {
    Injected(String where) {
      super("injected fault in " + where, null, false, false);
    }
  }

  /** An injected error, as a listener overflowing its stack would throw. */
  static final class InjectedError extends Error {
    InjectedError(String where) {
      super("injected error in " + where, null, false, false);
    }
  }

  /** A limiter that counts its own permits, and whose every method may throw. */
  static final class FaultyLimiter implements Limiter {
    private final Random random;
    private final int faultPercent;
    final AtomicInteger held = new AtomicInteger();

    FaultyLimiter(long seed, int faultPercent) {
      this.random = new Random(seed);
      this.faultPercent = faultPercent;
    }

    private synchronized void maybeThrow(String where) {
      if (random.nextInt(100) < faultPercent) {
        throw new Injected(where);
      }
    }

    @Override
    public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
      maybeThrow("tryAcquire");
      held.incrementAndGet();
      return GRANTED;
    }

    @Override
    public void refund(Permit permit, long nowNanos) {
      held.decrementAndGet();
      maybeThrow("refund");
    }

    @Override
    public void release(Permit permit, long nowNanos) {
      held.decrementAndGet();
      maybeThrow("release");
    }

    @Override
    public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
      maybeThrow("awaitSignal");
      wakeUp.run();
      return () -> {};
    }
  }

  private static final class Scenario {
    final long seed;
    final Random random;
    final int n;
    final boolean endless;
    final int cancelAfterStarts;
    final boolean cancelFromTask;
    final FailurePolicy policy;
    /** With {@link #amap}: the {@code amapResults} view, whose task failures are outcomes. */
    final boolean capture;
    final boolean amap;
    final int maxAtOnce;
    final int listenerFaultPercent;
    final int limiterFaultPercent;
    final int keyFaultPercent;
    final int sourceFaultPercent;
    final boolean closeThrows;
    final int scheduleFaultPercent;
    final boolean timeout;
    final int asyncPercent;
    final int failPercent;
    final double rate;
    /** Failed tasks (injected failures and timeouts) tried again, after backoffs of 0 to 2 ms; or null. */
    final @Nullable RetryPolicy retry;

    final DefaultSharedLimiter shared;
    final FaultyLimiter faulty;
    final @Nullable KeyedLimiter<Integer> keyed;
    final AtomicLong started = new AtomicLong();
    final AtomicLong startedAfterCancel = new AtomicLong();
    final AtomicBoolean cancelReturned = new AtomicBoolean();

    Scenario(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
      endless = random.nextInt(3) == 0;
      n = endless ? Integer.MAX_VALUE : random.nextInt(3_000);
      cancelAfterStarts = endless || random.nextInt(3) == 0 ? random.nextInt(40_000) : -1;
      cancelFromTask = random.nextInt(4) == 0;
      policy = random.nextBoolean() ? FailurePolicy.FAIL_FAST : FailurePolicy.RUN_ALL_THEN_THROW;
      capture = random.nextInt(3) == 0;
      amap = random.nextInt(3) == 0;
      maxAtOnce = new int[] {1, 2, 4, 16, 256}[random.nextInt(5)];
      listenerFaultPercent = random.nextInt(3) == 0 ? random.nextInt(30) : 0;
      limiterFaultPercent = random.nextInt(4) == 0 ? 1 + random.nextInt(5) : 0;
      keyFaultPercent = random.nextInt(4) == 0 ? 1 + random.nextInt(5) : 0;
      sourceFaultPercent = random.nextInt(5) == 0 ? 1 : 0;
      closeThrows = random.nextInt(4) == 0;
      scheduleFaultPercent = random.nextInt(5) == 0 ? 20 : 0;
      timeout = random.nextInt(4) == 0;
      asyncPercent = random.nextInt(4) * 25;
      failPercent = random.nextInt(3) == 0 ? random.nextInt(10) : 0;
      rate = !endless && random.nextInt(4) == 0 ? 50_000 : 0;
      retry = random.nextInt(3) == 0 ? RetryPolicy.builder().maxAttempts(1 + random.nextInt(4))
          .backoff(Duration.ZERO, Duration.ofMillis(random.nextInt(3))).multiplier(1 + random.nextInt(3)).build() : null;
      shared = new DefaultSharedLimiter(LimiterConfig.builder().maxAtOnce(1 + random.nextInt(8)).build());
      faulty = new FaultyLimiter(seed, limiterFaultPercent);
      keyed = random.nextBoolean()
          ? Meter.keyedLimiter(LimiterConfig.builder().maxAtOnce(1 + random.nextInt(4)).build()) : null;
    }

    void runAndCheck() throws Exception {
      Random taskRandom = new Random(seed * 31);
      Random keyRandom = new Random(seed * 37);
      RunOptions.Builder options = RunOptions.builder()
          .maxAtOnce(maxAtOnce)
          .failurePolicy(policy)
          .limiter(shared)
          .limiter(faulty)
          .timeSource(faultyTime(new Random(seed * 41)))
          .listener(faultyListener(new Random(seed * 43)));
      if (keyed != null) {
        options.limiter(keyed.<Integer>by(item -> {
          synchronized (keyRandom) {
            if (keyRandom.nextInt(100) < keyFaultPercent) {
              throw new Injected("key function");
            }
          }
          return item % 5;
        }));
      }
      if (timeout) {
        options.taskTimeout(Duration.ofMillis(50));
      }
      if (rate > 0) {
        options.maxPerSecond(rate).maxBurst(8);
      }
      if (retry != null) {
        options.retry(retry);
      }
      CompletableFuture<?>[] handle = new CompletableFuture<?>[1];
      Runnable cancel = () -> {
        CompletableFuture<?> future = handle[0];
        if (future != null) {
          future.cancel(true);
          cancelReturned.set(true);
        }
      };
      Source<Integer> source = source(new Random(seed * 47));
      dev.meter.api.AsyncTask<Integer, Object> task = item -> {
        long count = started.incrementAndGet();
        if (cancelReturned.get()) {
          startedAfterCancel.incrementAndGet();
        }
        if (cancelFromTask && count == cancelAfterStarts) {
          cancel.run();
        }
        int roll;
        synchronized (taskRandom) {
          roll = taskRandom.nextInt(100);
        }
        if (roll < failPercent) {
          return CompletableFuture.failedFuture(new Injected("task"));
        }
        if (roll < failPercent + asyncPercent) {
          CompletableFuture<Object> later = new CompletableFuture<>();
          completer.execute(() -> later.complete(item));
          return later;
        }
        return CompletableFuture.completedFuture(item);
      };

      Throwable failure;
      if (amap) {
        failure = runAmap(options.build(), source, task);
      } else {
        CompletableFuture<Void> run = Meter.with(options.build()).runOnEach(source, task);
        handle[0] = run;
        if (cancelAfterStarts >= 0) {
          // A task may cancel first (from inside the drain loop); this thread cancels otherwise.
          while (started.get() < cancelAfterStarts && !run.isDone()) {
            Thread.yield();
          }
          cancel.run();
        }
        failure = await(run);
      }

      assertThat(startedAfterCancel.get()).as("tasks started after the cancel returned").isZero();
      assertNoEngineBug(failure);
      // A cancelled future completes at once; its tasks settle right after and give their permits back.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (permitsOut() != 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(1);
      }
      assertThat(shared.running()).as("shared limiter's permits out").isZero();
      assertThat(faulty.held.get()).as("faulty limiter's permits out").isZero();
      if (keyed != null) {
        for (int key = 0; key < 5; key++) {
          KeyLimit perKey = ((DefaultKeyedLimiter<Integer>) keyed).heldFor(key);
          assertThat(perKey == null ? 0 : perKey.running()).as("key %s's permits out", key).isZero();
        }
      }
    }

    private int permitsOut() {
      int out = shared.running() + faulty.held.get();
      if (keyed != null) {
        for (int key = 0; key < 5; key++) {
          KeyLimit perKey = ((DefaultKeyedLimiter<Integer>) keyed).heldFor(key);
          out += perKey == null ? 0 : perKey.running();
        }
      }
      return out;
    }

    private @Nullable Throwable runAmap(RunOptions options, Source<Integer> source,
        dev.meter.api.AsyncTask<Integer, Object> task) {
      Amap<?> results = capture
          ? Meter.with(options).amapResults(source, task) : Meter.with(options).amap(source, task);
      long take = cancelAfterStarts >= 0 ? cancelAfterStarts : Long.MAX_VALUE;
      Throwable failure = null;
      try {
        long seen = 0;
        for (Object ignored : results) {
          if (++seen >= take) {
            break;
          }
        }
      } catch (Throwable thrown) {
        failure = thrown;
      }
      CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
        results.close();
        cancelReturned.set(true);
      });
      await(closed);
      assertThat(closed).as("amap closed").isCompleted();
      return failure;
    }

    private static @Nullable Throwable await(CompletableFuture<?> run) {
      try {
        run.get(60, TimeUnit.SECONDS);
        return null;
      } catch (java.util.concurrent.ExecutionException failed) {
        return failed.getCause();
      } catch (java.util.concurrent.CancellationException cancelled) {
        return null;
      } catch (java.util.concurrent.TimeoutException hung) {
        throw new AssertionError("the run did not end within 60 s");
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new AssertionError(interrupted);
      }
    }

    private Source<Integer> source(Random sourceRandom) {
      Iterator<Integer> items = new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          return next < n;
        }

        @Override
        public Integer next() {
          if (sourceFaultPercent > 0 && sourceRandom.nextInt(10_000) < sourceFaultPercent) {
            throw new Injected("source");
          }
          return next++;
        }
      };
      Stream<Integer> stream = Stream.generate(items::next).limit(n);
      if (closeThrows) {
        stream = stream.onClose(() -> {
          throw new Injected("stream close");
        });
      }
      return Source.from(stream);
    }

    private TimeSource faultyTime(Random timeRandom) {
      TimeSource real = Defaults.timeSource();
      return new TimeSource() {
        @Override
        public long read() {
          return real.read();
        }

        @Override
        public Scheduled schedule(Runnable callback, long delayNanos) {
          synchronized (timeRandom) {
            if (timeRandom.nextInt(100) < scheduleFaultPercent) {
              throw new RejectedExecutionException("injected: time source refuses");
            }
          }
          return real.schedule(callback, delayNanos);
        }
      };
    }

    private MeterListener faultyListener(Random listenerRandom) {
      return new MeterListener() {
        private void maybeThrow(String where) {
          int roll;
          synchronized (listenerRandom) {
            roll = listenerRandom.nextInt(100);
          }
          if (roll < listenerFaultPercent) {
            if ((roll & 1) == 0) {
              throw new InjectedError(where);
            }
            throw new Injected(where);
          }
        }

        @Override
        public void onWaiting(TaskEvent event) {
          maybeThrow("onWaiting");
        }

        @Override
        public void onStarted(TaskEvent event) {
          maybeThrow("onStarted");
        }

        @Override
        public void onSucceeded(TaskEvent event) {
          maybeThrow("onSucceeded");
        }

        @Override
        public void onFailed(TaskEvent event, Throwable failure) {
          maybeThrow("onFailed");
        }

        @Override
        public void onRetrying(TaskEvent event, Throwable failure, Duration delay) {
          maybeThrow("onRetrying");
        }

        @Override
        public void onCancelled(TaskEvent event) {
          maybeThrow("onCancelled");
        }
      };
    }

    /** A failure may carry injected faults, but never an engine's own error (a broken invariant). */
    private static void assertNoEngineBug(@Nullable Throwable failure) {
      if (failure == null) {
        return;
      }
      java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
      java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      todo.add(failure);
      while (!todo.isEmpty()) {
        Throwable each = todo.poll();
        if (!seen.add(each)) {
          continue;
        }
        if (each instanceof AssertionError || each instanceof IllegalStateException
            || each instanceof IllegalArgumentException || each instanceof NullPointerException
            || each instanceof ClassCastException) {
          throw new AssertionError("the engine failed on its own: " + each, each);
        }
        if (each.getCause() != null) {
          todo.add(each.getCause());
        }
        java.util.Collections.addAll(todo, each.getSuppressed());
      }
    }

    @Override
    public String toString() {
      return "Scenario{seed=" + seed + ", n=" + (endless ? "endless" : n) + ", cancelAfterStarts=" + cancelAfterStarts
          + (cancelFromTask ? " (from a task)" : "") + ", policy=" + policy + ", capture=" + capture
          + ", amap=" + amap + ", maxAtOnce=" + maxAtOnce + ", listenerFault%=" + listenerFaultPercent
          + ", limiterFault%=" + limiterFaultPercent + ", keyFault%=" + keyFaultPercent
          + ", sourceFault/10k=" + sourceFaultPercent + ", closeThrows=" + closeThrows
          + ", scheduleFault%=" + scheduleFaultPercent + ", timeout=" + timeout + ", async%=" + asyncPercent
          + ", fail%=" + failPercent + ", rate=" + rate + ", keyed=" + (keyed != null) + ", retry=" + retry + "}";
    }
  }
}
