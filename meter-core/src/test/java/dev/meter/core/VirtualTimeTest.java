package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VirtualTimeTest {

  @Test
  void advance_fromTwoThreadsAtOnce_addsUpBothSteps() throws Exception {
    // Found by the shared limiter's Lincheck test: the target was read before the lock, so two
    // advances at once could both start from the same time and one step was lost.
    VirtualTime time = VirtualTime.create();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 10_000; i++) {
          time.advanceNanos(1);
        }
      });
      thread.start();
      threads.add(thread);
    }
    go.countDown();
    for (Thread thread : threads) {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    }
    assertThat(time.read()).isEqualTo(20_000);
  }

  @Test
  void advance_runsDueTimersInDeadlineOrderWithTheClockAtEachDeadline() {
    VirtualTime time = VirtualTime.create();
    List<Long> ranAt = new ArrayList<>();
    time.schedule(() -> ranAt.add(time.read()), TimeUnit.MILLISECONDS.toNanos(30));
    time.schedule(() -> ranAt.add(time.read()), TimeUnit.MILLISECONDS.toNanos(10));
    time.schedule(() -> ranAt.add(time.read()), TimeUnit.MILLISECONDS.toNanos(50));

    time.advance(Duration.ofMillis(40));

    assertThat(ranAt).containsExactly(10_000_000L, 30_000_000L);
    assertThat(time.read()).isEqualTo(40_000_000L);
    assertThat(time.pendingTimers()).isEqualTo(1);
  }
}
