package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.AsyncTask;
import dev.meter.api.LimiterConfig;
import dev.meter.api.RunOptions;
import dev.meter.api.spi.Limiter;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Weighted starts: a rate in units, each start costing its item's units. */
class CostLimiterTest {
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  /** A request of so many tokens. */
  record Prompt(int id, long tokens) {}

  /** The most units started in any window of {@code windowNanos}, from (start nanos, units) pairs in start order. */
  private static long mostInAWindow(List<long[]> starts, long windowNanos) {
    long most = 0;
    long sum = 0;
    int from = 0;
    for (long[] start : starts) {
      sum += start[1];
      while (start[0] - starts.get(from)[0] >= windowNanos) {
        sum -= starts.get(from++)[1];
      }
      most = Math.max(most, sum);
    }
    return most;
  }

  @Test
  void costLimiter_promptsOfVaryingSize_keepTheTokenEnvelopeInEveryWindow() {
    // Given 90,000 tokens a minute in bursts of up to 20,000, and 1,000 prompts of 1 to 5,000 tokens
    VirtualTime time = VirtualTime.create();
    Limiter tokens = Meter.costLimiter(LimiterConfig.builder()
        .rate(90_000, Duration.ofMinutes(1)).maxBurst(20_000).timeSource(time).build(), (Prompt p) -> p.tokens());
    Random random = new Random(42);
    List<Prompt> prompts = new ArrayList<>();
    long total = 0;
    for (int i = 0; i < 1_000; i++) {
      prompts.add(new Prompt(i, 1 + random.nextInt(5_000)));
      total += prompts.get(i).tokens();
    }
    List<long[]> starts = new CopyOnWriteArrayList<>();
    AsyncTask<Prompt, Long> send = p -> {
      starts.add(new long[] {time.read(), p.tokens()});
      return time.delay(Duration.ofSeconds(2), p.tokens());
    };

    // When they run through it
    long begin = time.read();
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(tokens).timeSource(time).build())
        .runOnEach(prompts, send);
    time.advance(Duration.ofHours(1));

    // Then in every window of w the tokens started are at most 20,000 + ceil(w * 1,500/s), and the
    // whole run took the time its tokens need at that rate, less the burst
    assertThat(run).isCompleted();
    assertThat(starts).hasSize(1_000);
    for (long window : new long[] {1_000_000_000L, 10_000_000_000L, MINUTE, 5 * MINUTE}) {
      long envelope = 20_000 + (long) Math.ceil(window * 90_000.0 / MINUTE);
      assertThat(mostInAWindow(starts, window)).as("tokens in %d s", window / 1_000_000_000L).isLessThanOrEqualTo(envelope);
    }
    long lastStart = starts.get(starts.size() - 1)[0] - begin;
    double ideal = (total - 20_000 - starts.get(starts.size() - 1)[1]) / 90_000.0 * MINUTE;
    assertThat(lastStart / ideal).as("span against the ideal").isBetween(0.99, 1.01);
  }

  @Test
  void costLimiter_besideARequestRate_bothLimitsHold() {
    // Given 60 requests a minute and 10,000 tokens a minute, bursts of 5 requests and 5,000 tokens
    VirtualTime time = VirtualTime.create();
    Limiter requests = Meter.limiter(LimiterConfig.builder().rate(60, Duration.ofMinutes(1)).maxBurst(5).timeSource(time).build());
    Limiter tokens = Meter.costLimiter(LimiterConfig.builder()
        .rate(10_000, Duration.ofMinutes(1)).maxBurst(5_000).timeSource(time).build(), (Prompt p) -> p.tokens());
    List<Prompt> prompts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      prompts.add(new Prompt(i, i % 10 == 0 ? 2_000 : 50));  // mostly small, every tenth large
    }
    List<long[]> starts = new CopyOnWriteArrayList<>();

    // When they run through both
    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(requests).limiter(tokens).timeSource(time).build())
        .runOnEach(prompts, p -> {
          starts.add(new long[] {time.read(), p.tokens()});
          return CompletableFuture.completedFuture(null);
        });
    time.advance(Duration.ofHours(1));

    // Then each envelope holds: requests counted one each, tokens by cost
    assertThat(run).isCompleted();
    List<long[]> asRequests = starts.stream().map(start -> new long[] {start[0], 1}).toList();
    for (long window : new long[] {1_000_000_000L, 10_000_000_000L, MINUTE}) {
      assertThat(mostInAWindow(asRequests, window)).isLessThanOrEqualTo(5 + (long) Math.ceil(window * 60.0 / MINUTE));
      assertThat(mostInAWindow(starts, window)).isLessThanOrEqualTo(5_000 + (long) Math.ceil(window * 10_000.0 / MINUTE));
    }
  }

  @Test
  void costLimiter_itemCostingMoreThanTheBurst_failsTheRunBeforeItsTaskStarts() {
    VirtualTime time = VirtualTime.create();
    Limiter tokens = Meter.costLimiter(LimiterConfig.builder()
        .rate(1_000, Duration.ofMinutes(1)).maxBurst(500).timeSource(time).build(), (Prompt p) -> p.tokens());
    List<Integer> started = new CopyOnWriteArrayList<>();

    CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(tokens).timeSource(time).build())
        .runOnEach(List.of(new Prompt(1, 100), new Prompt(2, 501)), p -> {
          started.add(p.id());
          return CompletableFuture.completedFuture(null);
        });
    time.advance(Duration.ofMinutes(1));

    assertThat(started).containsExactly(1);
    assertThatThrownBy(run::get).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cost must be >= 1 and <= maxBurst (500), but was 501 for item Prompt[id=2, tokens=501]");
  }

  @Test
  void costLimiter_badConfig_throwsNamingWhatIsWrong() {
    assertThatThrownBy(() -> Meter.costLimiter(LimiterConfig.builder().maxAtOnce(3).build(), item -> 1))
        .hasMessage("a cost limiter needs a rate in units, but config has none");
    assertThatThrownBy(() -> Meter.costLimiter(LimiterConfig.builder().maxAtOnce(3).maxPerSecond(5).build(), item -> 1))
        .hasMessage("a cost limiter takes a rate and a burst only, but config has maxAtOnce 3");
    assertThatThrownBy(() -> Meter.costLimiter(LimiterConfig.builder().maxPerSecond(5).build(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("cost");
  }
}
