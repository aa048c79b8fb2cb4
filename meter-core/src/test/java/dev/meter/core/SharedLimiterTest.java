package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.AsyncTask;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A limiter shared by many runs: the limits hold for all together, change and pause while in use. */
class SharedLimiterTest {
  private final VirtualTime time = VirtualTime.create();

  private LimiterConfig.Builder virtual() {
    return LimiterConfig.builder().timeSource(time);
  }

  private RunOptions.Builder runOptions(SharedLimiter limiter) {
    return RunOptions.builder().limiter(limiter).timeSource(time);
  }

  /** Starts {@code n} instant tasks through {@code limiter}, recording each start's virtual time. */
  private CompletableFuture<Void> startRecording(SharedLimiter limiter, int n, List<Long> starts) {
    return Meter.with(runOptions(limiter).build()).runOnEach(IntStream.range(0, n).boxed().toList(), i -> {
      starts.add(time.read());
      return CompletableFuture.completedFuture(i);
    });
  }

  @Test
  void maxAtOnce_twoRunsOnTwoThreads_neverExceedItTogether() throws Exception {
    // Given a limiter of 3 at once shared by two runs on two threads, whose tasks end on a real timer
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder().maxAtOnce(3).build());
    Probe probe = new Probe();
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
    ExecutorService callers = Executors.newFixedThreadPool(2);
    try {
      SplittableRandom random = new SplittableRandom(1);
      List<Future<?>> runs = new ArrayList<>();
      for (int run = 0; run < 2; run++) {
        int offset = run * 1_000;
        long seed = random.nextLong();
        runs.add(callers.submit(() -> {
          SplittableRandom delays = new SplittableRandom(seed);
          AsyncTask<Integer, Integer> task = i -> {
            CompletableFuture<Integer> done = new CompletableFuture<>();
            timers.schedule(() -> done.complete(i), delays.nextInt(200), TimeUnit.MICROSECONDS);
            return probe.track(i, done);
          };
          Meter.with(RunOptions.builder().limiter(limiter).build())
              .runOnEach(IntStream.range(offset, offset + 300).boxed().toList(), task).join();
        }));
      }
      // When both have finished
      for (Future<?> run : runs) {
        run.get(60, TimeUnit.SECONDS);
      }
    } finally {
      timers.shutdownNow();
      callers.shutdownNow();
    }
    // Then never more than 3 ran at once over both, and every task ran
    assertThat(probe.peak.get()).isEqualTo(3);
    assertThat(probe.started).hasSize(600);
    assertThat(limiter.stats().running()).isZero();
    assertThat(limiter.stats().started()).isEqualTo(600);
  }

  @Test
  void rate_twoRuns_stayInsideOneGcraEnvelopeTogether() {
    // Given a limiter of 100/s with a burst of 2, and two runs of 200 starts each through it
    SharedLimiter limiter = Meter.limiter(virtual().maxPerSecond(100).maxBurst(2).build());
    List<Long> starts = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> first = startRecording(limiter, 200, starts);
    CompletableFuture<Void> second = startRecording(limiter, 200, starts);

    // When virtual time runs in uneven steps until both are done
    SplittableRandom random = new SplittableRandom(3);
    while (!(first.isDone() && second.isDone())) {
      time.advanceNanos(1 + random.nextLong(30_000_000));
    }

    // Then the 400 starts together keep the envelope, and took (400 - burst) intervals
    assertThat(starts).hasSize(400);
    RateEnvelope.assertWithin(starts, 100, 2);
    assertThat(Collections.max(starts) - Collections.min(starts)).isEqualTo(398 * 10_000_000L);
  }

  @Test
  void setMaxPerSecond_underLoad_startsFollowTheNewRateFromTheChange() {
    // Given 10/s and a long run waiting on it
    SharedLimiter limiter = Meter.limiter(virtual().maxPerSecond(10).build());
    List<Long> starts = Collections.synchronizedList(new ArrayList<>());
    startRecording(limiter, 100, starts);
    time.advance(Duration.ofMillis(950));
    assertThat(starts).hasSize(10);  // at 0, 100, ..., 900 ms

    // When the rate drops to 2/s (a 429 came back)
    limiter.setMaxPerSecond(2);
    time.advance(Duration.ofSeconds(2));

    // Then the half start it owed at the change (50 ms at 100 ms a start) is owed at the new rate
    // (250 ms at 500 ms a start), and from there they go every 500 ms
    assertThat(starts.subList(10, starts.size())).containsExactly(
        1_200_000_000L, 1_700_000_000L, 2_200_000_000L, 2_700_000_000L);

    // When it rises to 100/s, the waiting run is re-timed at once instead of sleeping out its 500 ms
    limiter.setMaxPerSecond(100);
    time.advance(Duration.ofMillis(50));
    assertThat(starts.get(14)).isLessThanOrEqualTo(2_960_000_000L);
    assertThat(starts).hasSizeGreaterThan(15);
  }

  @Test
  void setLimits_rateRemovedAndConcurrencyRaised_releasesWaitingStartsAtOnce() {
    // Given 1 at once and 1/s, with 10 tasks of 10 s waiting behind it
    SharedLimiter limiter = Meter.limiter(virtual().limits(Limits.of(1, Rate.perSecond(1))).build());
    Probe probe = new Probe();
    Meter.with(runOptions(limiter).build()).runOnEach(IntStream.range(0, 10).boxed().toList(),
        i -> probe.track(i, time.delay(Duration.ofSeconds(10), i)));
    assertThat(probe.active.get()).isEqualTo(1);

    // When its limits become 3 at once and no rate, in one step
    limiter.setLimits(Limits.of(3));

    // Then two more start at once, with no rate wait, and the limiter says what is in force
    assertThat(probe.active.get()).isEqualTo(3);
    assertThat(limiter.limits()).isEqualTo(Limits.of(3));

    // When a rate comes back with a burst of 2, more concurrency: 2 start at once, then 1 per second
    limiter.setLimits(Limits.of(10, Rate.perSecond(1), 2));
    assertThat(probe.active.get()).isEqualTo(5);
    time.advance(Duration.ofSeconds(1));
    assertThat(probe.active.get()).isEqualTo(6);
  }

  @Test
  void setMaxAtOnce_loweredAndRaised_appliesFromTheNextStartWithoutDisturbingRunningTasks() {
    // Given 4 at once with 4 tasks running for 10 s
    SharedLimiter limiter = Meter.limiter(virtual().maxAtOnce(4).build());
    Probe probe = new Probe();
    Meter.with(runOptions(limiter).build()).runOnEach(IntStream.range(0, 20).boxed().toList(),
        i -> probe.track(i, time.delay(Duration.ofSeconds(10), i)));
    assertThat(probe.active.get()).isEqualTo(4);

    // When the limit drops to 2: nothing running is cancelled, and as the 4 end only 2 start
    limiter.setMaxAtOnce(2);
    assertThat(probe.active.get()).isEqualTo(4);
    time.advance(Duration.ofSeconds(10));
    assertThat(probe.started).hasSize(6);
    assertThat(probe.active.get()).isEqualTo(2);

    // When it rises to 5, waiting starts go at once
    limiter.setMaxAtOnce(5);
    assertThat(probe.active.get()).isEqualTo(5);
    assertThat(limiter.limits().maxAtOnce()).isEqualTo(5);
  }

  @Test
  void pauseFor_delaysTheNextStartByAtLeastThePause_andALaterPauseExtends() {
    // Given 10/s, one start made, and a task that runs through the pause
    SharedLimiter limiter = Meter.limiter(virtual().maxPerSecond(10).build());
    List<Long> starts = Collections.synchronizedList(new ArrayList<>());
    startRecording(limiter, 3, starts);
    assertThat(starts).containsExactly(0L);

    // When it is paused for 2 s at 50 ms, then for 1 s more at 1.5 s (a shorter pause does not shorten)
    time.advance(Duration.ofMillis(50));
    limiter.pauseFor(Duration.ofSeconds(2));
    limiter.pauseFor(Duration.ofMillis(10));
    time.advance(Duration.ofMillis(1_450));
    limiter.pauseFor(Duration.ofSeconds(1));
    time.advance(Duration.ofSeconds(5));

    // Then nothing started before 2.5 s, and the rate resumed from there
    assertThat(starts).containsExactly(0L, 2_500_000_000L, 2_600_000_000L);
  }

  @Test
  void pauseUntil_anInstantInThePast_doesNothing_andBadArgumentsAreRejected() {
    SharedLimiter limiter = Meter.limiter(virtual().build());
    limiter.pauseUntil(java.time.Instant.now().minusSeconds(5));
    List<Long> starts = Collections.synchronizedList(new ArrayList<>());
    startRecording(limiter, 2, starts);
    assertThat(starts).containsExactly(0L, 0L);

    assertThatThrownBy(() -> limiter.pauseFor(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("duration must not be negative, but was PT-1S");
    assertThatThrownBy(() -> limiter.setMaxAtOnce(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxAtOnce must be >= 1, but was 0");
    assertThatThrownBy(() -> limiter.setMaxBurst(3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBurst must come with a rate");
    assertThatThrownBy(() -> limiter.setMaxPerSecond(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxPerSecond must be a finite number > 0, but was NaN");
  }

  @Test
  void setMaxBurst_raised_letsTheExtraStartsGoAtOnce() {
    SharedLimiter limiter = Meter.limiter(virtual().maxPerSecond(1).build());
    List<Long> starts = Collections.synchronizedList(new ArrayList<>());
    startRecording(limiter, 10, starts);
    time.advance(Duration.ofSeconds(10));  // idle long enough for any burst to refill
    assertThat(starts).hasSize(10);

    startRecording(limiter, 10, starts);
    limiter.setMaxBurst(4);
    assertThat(limiter.limits().maxBurst()).isEqualTo(4);
    assertThat(limiter.limits().rate()).isEqualTo(Rate.perSecond(1));
    time.advance(Duration.ZERO);
    assertThat(starts).hasSize(14);  // the one it allowed, then three more with the bigger burst
  }

  @Test
  void awaitSignal_afterTheAnnouncedSlotWasTaken_stillWokenWhenTheNextSlotComes() {
    // Given 1 start per second, with this second's start taken
    DefaultSharedLimiter limiter = new DefaultSharedLimiter(
        LimiterConfig.builder().maxPerSecond(1).timeSource(time).build());
    assertThat(limiter.tryAcquire(null, 0, 0)).isInstanceOf(dev.meter.api.spi.Limiter.Permit.class);
    // A run is refused; its timer is set for the next slot, at 1 s
    assertThat(limiter.tryAcquire(null, 0, 0)).isEqualTo(dev.meter.api.spi.Limiter.Decision.awaitSignal());

    // When that timer fires before the run registers, and another run takes the slot meanwhile
    time.advance(Duration.ofSeconds(1));
    long now = time.read();
    assertThat(limiter.tryAcquire(null, now, now)).isInstanceOf(dev.meter.api.spi.Limiter.Permit.class);
    boolean[] woken = {false};
    limiter.awaitSignal(null, () -> woken[0] = true);

    // Then the run is still woken when the following slot comes, at 2 s, not left waiting forever
    assertThat(woken[0]).isFalse();
    time.advance(Duration.ofSeconds(1));
    assertThat(woken[0]).isTrue();
  }
}
