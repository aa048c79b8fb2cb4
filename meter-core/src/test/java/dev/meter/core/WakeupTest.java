package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.TimeSource;
import dev.meter.testing.VirtualTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The one-timer pacer: at most one live timer, and the earliest deadline asked for is kept. */
class WakeupTest {

  /** A virtual time source that counts its timers still to fire (neither fired nor withdrawn). */
  private static final class CountingTime implements TimeSource {
    final VirtualTime time = VirtualTime.create();
    final AtomicInteger live = new AtomicInteger();
    int mostLive;

    @Override
    public long read() {
      return time.read();
    }

    @Override
    public Scheduled schedule(Runnable callback, long delayNanos) {
      AtomicBoolean done = new AtomicBoolean();
      mostLive = Math.max(mostLive, live.incrementAndGet());
      Scheduled inner = time.schedule(() -> {
        if (done.compareAndSet(false, true)) {
          live.decrementAndGet();
        }
        callback.run();
      }, delayNanos);
      return () -> {
        if (done.compareAndSet(false, true)) {
          live.decrementAndGet();
        }
        inner.cancel();
      };
    }
  }

  @Test
  void wakeAt_randomDeadlinesAndSteps_atMostOneLiveTimerAndNoDeadlineMissed() {
    // Given a pacer whose action records when it ran, and asks made at random, also from the action
    CountingTime time = new CountingTime();
    SplittableRandom random = new SplittableRandom(12);
    long[] earliestAsked = {Long.MAX_VALUE};
    AtomicInteger lateRuns = new AtomicInteger();
    Wakeup[] wakeup = new Wakeup[1];
    wakeup[0] = new Wakeup(time, () -> {
      long now = time.read();
      if (earliestAsked[0] != Long.MAX_VALUE && now - earliestAsked[0] > 0) {
        lateRuns.incrementAndGet();  // ran after a deadline it was asked for: one was missed
      }
      earliestAsked[0] = Long.MAX_VALUE;
      if (random.nextBoolean()) {
        long at = now + random.nextLong(1_000);
        earliestAsked[0] = at;
        wakeup[0].wakeAt(at, now);  // the owner asks again from inside the action, as a run's drain does
      }
    });

    // When deadlines are asked for and time moves, many times over
    for (int i = 0; i < 20_000; i++) {
      long now = time.read();
      long at = now + random.nextLong(1_000);
      earliestAsked[0] = Math.min(earliestAsked[0], at);
      wakeup[0].wakeAt(at, now);
      time.time.advanceNanos(random.nextLong(300));
    }
    time.time.advanceNanos(10_000);

    // Then no more than one timer was ever live, and no asked-for deadline was passed without a run
    assertThat(time.mostLive).isEqualTo(1);
    assertThat(lateRuns.get()).isZero();
    assertThat(time.live.get()).isZero();
  }

  @Test
  void wakeAt_replacedTimerRecordsItsFiringAfterTheNewerOne_laterDeadlineStillGetsATimer() {
    // Given a time source whose timers fire only when the test says, on whatever order it picks
    List<Runnable> callbacks = new ArrayList<>();
    TimeSource manual = new TimeSource() {
      @Override
      public long read() {
        return 0;
      }

      @Override
      public Scheduled schedule(Runnable callback, long delayNanos) {
        callbacks.add(callback);
        return () -> {};  // already under way: cancelling cannot stop it
      }
    };
    AtomicInteger runs = new AtomicInteger();
    Wakeup wakeup = new Wakeup(manual, runs::incrementAndGet);
    wakeup.wakeAt(100, 0);
    wakeup.wakeAt(50, 0);  // replaces the first timer, which is already firing on another thread

    // When the newer timer fires first and the replaced one finishes firing after it (two pool threads)
    callbacks.get(1).run();
    callbacks.get(0).run();
    wakeup.wakeAt(200, 0);

    // Then the later deadline gets a timer of its own: both timers have fired, none is left to ask again
    assertThat(runs.get()).isEqualTo(2);
    assertThat(callbacks).hasSize(3);
  }
}
