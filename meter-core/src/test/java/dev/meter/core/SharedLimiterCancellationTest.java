package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.AsyncTask;
import dev.meter.api.LimiterConfig;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Runs cancelled at random moments while they wait on a shared limiter must leave it exactly as if
 * they had never asked: no start beyond its limits (no token or permit leaked to them), and once
 * everything is over, every permit and the full burst are back (nothing lost with them).
 */
class SharedLimiterCancellationTest {
  private static final int ROUNDS = Integer.getInteger("meter.stress.runs", 1000) / 10;

  @Test
  void cancelledWhileWaiting_randomized_leaveTheLimiterAsIfTheyNeverAsked() {
    SplittableRandom random = new SplittableRandom(Long.getLong("meter.stress.seed", 20261122L));
    for (int round = 0; round < ROUNDS; round++) {
      long seed = random.nextLong();
      try {
        oneRound(new SplittableRandom(seed));
      } catch (AssertionError failure) {
        throw new AssertionError("round " + round + " failed; replay with -Dmeter.stress.seed (seed " + seed + ")", failure);
      }
    }
  }

  private void oneRound(SplittableRandom random) {
    VirtualTime time = VirtualTime.create();
    int maxAtOnce = 1 + random.nextInt(4);
    double perSecond = 1 + random.nextInt(50);
    int burst = 1 + random.nextInt(4);
    SharedLimiter limiter = Meter.limiter(LimiterConfig.builder()
        .maxAtOnce(maxAtOnce).maxPerSecond(perSecond).maxBurst(burst)
        .timeSource(time).build());
    RunOptions.Builder builder = RunOptions.builder().limiter(limiter).timeSource(time);
    if (random.nextBoolean()) {
      // A run's own rate, checked after the shared limiter: its refusals make the shared one refund.
      builder.maxPerSecond(1 + random.nextInt(50));
    }
    RunOptions options = builder.build();
    List<Long> starts = Collections.synchronizedList(new ArrayList<>());
    Probe probe = new Probe();

    // Given several runs on the limiter, each cancelled (or not) at a random moment
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (int r = 0; r < 2 + random.nextInt(5); r++) {
      int offset = r * 1_000;
      long taskMillis = random.nextInt(300);
      AsyncTask<Integer, Integer> task = i -> {
        starts.add(time.read());
        return probe.track(i, time.delay(Duration.ofMillis(taskMillis), i));
      };
      runs.add(Meter.with(options).runOnEach(IntStream.range(offset, offset + 1 + random.nextInt(20)).boxed().toList(), task));
    }
    for (int step = 0; step < 40; step++) {
      time.advance(Duration.ofMillis(random.nextInt(100)));
      if (random.nextInt(4) == 0) {
        runs.get(random.nextInt(runs.size())).cancel(true);
      }
    }
    runs.forEach(run -> run.cancel(true));
    time.advance(Duration.ofSeconds(1));

    // Then no window held more starts than the limit allows, and never more than maxAtOnce ran
    RateEnvelope.assertWithin(starts, perSecond, burst);
    assertThat(probe.peak.get()).isLessThanOrEqualTo(maxAtOnce);
    assertThat(limiter.stats().running()).isZero();
    assertThat(limiter.stats().waiting()).isZero();
    assertThat(limiter.stats().started()).isEqualTo(starts.size());

    // And after a rest, a new run gets the full burst at once and all maxAtOnce permits
    time.advance(Duration.ofSeconds(10));
    Probe fresh = new Probe();
    List<Long> freshStarts = Collections.synchronizedList(new ArrayList<>());
    RunOptions onlyShared = RunOptions.builder().limiter(limiter).timeSource(time).build();
    Meter.with(onlyShared).runOnEach(IntStream.range(0, Math.max(burst, maxAtOnce)).boxed().toList(), (Integer i) -> {
      freshStarts.add(time.read());
      return fresh.track(i, time.delay(Duration.ofHours(1), i));
    });
    assertThat(freshStarts).hasSize(Math.min(burst, maxAtOnce));
    assertThat(fresh.active.get()).isEqualTo(Math.min(burst, maxAtOnce));
  }
}
