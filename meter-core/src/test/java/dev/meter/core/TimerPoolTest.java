package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** meter's default timers: one thread for the firings, more only while a callback overruns. */
class TimerPoolTest {
  private final TimerPool pool = new TimerPool("timer-pool-test-");

  @AfterEach
  void shutDown() {
    pool.shutdownNow();
  }

  @Test
  void schedule_chainedTimersOfARate_allFireOnOneThread() throws Exception {
    // Given timers set one after another, each from the callback of the one before (as a rate's wake-ups are)
    // When 300 of them fire, 100 µs apart
    Set<String> threads = threadsFiringChainedTimers(pool, 300);

    // Then all ran on one thread: no second thread was woken to take over the wait at each firing
    assertThat(threads).hasSize(1);
    assertThat(pool.getPoolSize()).isEqualTo(1);
  }

  @Test
  void schedule_callbackKeepsTheThread_laterTimersFireOnAnotherAndThePoolShrinksBack() throws Exception {
    // Given a callback that keeps its thread until released
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    pool.schedule(() -> {
      blocking.countDown();
      awaitQuietly(release);
    }, 0, TimeUnit.NANOSECONDS);
    assertThat(blocking.await(30, TimeUnit.SECONDS)).isTrue();

    // When other timers fall due meanwhile
    List<String> firedOn = new CopyOnWriteArrayList<>();
    CountDownLatch fired = new CountDownLatch(3);
    for (int i = 1; i <= 3; i++) {
      pool.schedule(() -> {
        firedOn.add(Thread.currentThread().getName());
        fired.countDown();
      }, i, TimeUnit.MILLISECONDS);
    }

    // Then they fire on a thread the watchdog added, and once the callback ends the pool is one thread again
    assertThat(fired.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(pool.getCorePoolSize()).isEqualTo(2);
    release.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (pool.getCorePoolSize() != 1 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(pool.getCorePoolSize()).isEqualTo(1);
  }

  @Test
  void schedule_jdkPoolOfFourThreads_takesTurnsBetweenThreads() throws Exception {
    // The reason for TimerPool, kept as a check of the premise: the JDK's pool of several threads hands
    // the wait to another thread at each firing, so chained timers run on more than one thread.
    ScheduledThreadPoolExecutor jdk = new ScheduledThreadPoolExecutor(4);
    try {
      assertThat(threadsFiringChainedTimers(jdk, 300)).hasSizeGreaterThan(1);
    } finally {
      jdk.shutdownNow();
    }
  }

  /** Fires {@code count} timers 100 µs apart, each set by the one before; the threads they ran on. */
  private static Set<String> threadsFiringChainedTimers(ScheduledExecutorService timers, int count)
      throws InterruptedException {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    CountDownLatch done = new CountDownLatch(1);
    AtomicInteger left = new AtomicInteger(count);
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      threads.add(Thread.currentThread().getName());
      if (left.decrementAndGet() == 0) {
        done.countDown();
      } else {
        timers.schedule(next[0], 100, TimeUnit.MICROSECONDS);
      }
    };
    timers.schedule(next[0], 100, TimeUnit.MICROSECONDS);
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    return threads;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
