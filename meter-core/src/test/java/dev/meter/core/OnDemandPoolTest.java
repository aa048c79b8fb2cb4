package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bounded pools meter makes for itself: threads on demand, never one per job up to the bound. */
class OnDemandPoolTest {

  @Test
  void execute_fourConcurrentJobs_useFourThreadsNotTheBound() throws InterruptedException {
    // Given the fallback blocking pool's bound of 256 threads
    OnDemandPool pool = new OnDemandPool(Defaults.FALLBACK_POOL_THREADS, 30, Defaults.daemonThreads("pool-test-"));
    try {
      // When four jobs run at once, twice over
      for (int round = 0; round < 2; round++) {
        CountDownLatch running = new CountDownLatch(4);
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < 4; i++) {
          pool.execute(() -> {
            running.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
        }
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        while (pool.getActiveCount() != 0) {
          Thread.sleep(1);
        }
      }

      // Then four threads were made, and the second round reused them
      assertThat(pool.getLargestPoolSize()).isEqualTo(4);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void execute_moreJobsThanTheBound_queueAndAllRun() throws InterruptedException {
    // Given a pool of at most 2 threads
    OnDemandPool pool = new OnDemandPool(2, 30, Defaults.daemonThreads("pool-test-"));
    try {
      // When 50 jobs are handed to it at once
      CountDownLatch done = new CountDownLatch(50);
      for (int i = 0; i < 50; i++) {
        pool.execute(done::countDown);
      }

      // Then every job ran, on at most 2 threads
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(pool.getLargestPoolSize()).isLessThanOrEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }
}
