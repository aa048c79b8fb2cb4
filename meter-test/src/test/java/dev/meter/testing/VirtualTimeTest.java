package dev.meter.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

  @Test
  void autoAdvance_consumerWaitsOnTimers_movesTheClockToEachDeadline() throws Exception {
    // Given a consumer that waits, in turn, for three virtual delays
    VirtualTime time = VirtualTime.create();
    List<Long> wokeAt = new ArrayList<>();

    // When it runs under autoAdvance
    String result = time.autoAdvance(() -> {
      for (int i = 1; i <= 3; i++) {
        time.delay(Duration.ofSeconds(i)).get();
        wokeAt.add(time.read());
      }
      return "done";
    });

    // Then the clock moved exactly to each deadline, and its result comes back
    assertThat(result).isEqualTo("done");
    assertThat(wokeAt).containsExactly(1_000_000_000L, 3_000_000_000L, 6_000_000_000L);
    assertThat(time.read()).isEqualTo(6_000_000_000L);
  }

  @Test
  void autoAdvance_consumerThrows_rethrowsItAsItIs() {
    VirtualTime time = VirtualTime.create();
    java.io.IOException failure = new java.io.IOException("checked");

    assertThatThrownBy(() -> time.autoAdvance(() -> {
      time.delay(Duration.ofMinutes(1)).get();
      throw failure;
    })).isSameAs(failure);
    assertThat(time.elapsed()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void autoAdvance_consumerWaitsForNothingTheClockCanWake_failsAfterTheStallLimit() {
    VirtualTime time = VirtualTime.create();
    CompletableFuture<String> never = new CompletableFuture<>();

    assertThatThrownBy(() -> time.autoAdvance(Duration.ofMillis(200), never::get))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the consumer waited PT0.2S of real time with no virtual timer pending: nothing can wake it");
  }

  @Test
  void autoAdvance_badArguments_throwNamingThem() {
    VirtualTime time = VirtualTime.create();
    assertThatThrownBy(() -> time.autoAdvance(Duration.ZERO, () -> 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("stallLimit must be a positive duration, but was PT0S");
    assertThatThrownBy(() -> time.autoAdvance((java.util.concurrent.Callable<Object>) null))
        .isInstanceOf(NullPointerException.class).hasMessage("consumer");
  }
}
