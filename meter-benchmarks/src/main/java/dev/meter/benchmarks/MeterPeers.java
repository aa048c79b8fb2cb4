package dev.meter.benchmarks;

import dev.meter.api.Amap;
import dev.meter.api.AsyncTask;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.core.Meter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** meter-core as a Java user calls it. */
final class MeterPeers {
  private MeterPeers() {}

  @SuppressWarnings("unchecked")
  private static AsyncTask<Integer, Object> asTask(Function<Integer, CompletableFuture<?>> task) {
    return item -> (CompletableFuture<Object>) task.apply(item);
  }

  static void runOnEach(Iterable<Integer> items, int maxAtOnce, Function<Integer, CompletableFuture<?>> task) {
    Meter.with(RunOptions.builder().maxAtOnce(maxAtOnce).build()).runOnEach(items, asTask(task)).join();
  }

  /** As {@link #runOnEach}, every start through a shared limiter of no limits (made per call, as a run's would be). */
  static void runOnEachThroughUnlimitedSharedLimiter(
      Iterable<Integer> items, int maxAtOnce, Function<Integer, CompletableFuture<?>> task) {
    SharedLimiter unlimited = Meter.limiter(LimiterConfig.builder().build());
    Meter.with(RunOptions.builder().maxAtOnce(maxAtOnce).limiter(unlimited).build()).runOnEach(items, asTask(task)).join();
  }

  /** Every result taken from the blocking iterator, in completion order. */
  static long amap(Iterable<Integer> items, int maxAtOnce, Function<Integer, CompletableFuture<?>> task) {
    long count = 0;
    try (Amap<Object> results = Meter.with(RunOptions.builder().maxAtOnce(maxAtOnce).build())
        .amap(items, asTask(task))) {
      for (Object ignored : results) {
        count++;
      }
    }
    return count;
  }

  /**
   * W6 as the issue gives it: the items split between {@code callers} threads, each running its own
   * {@code runOnEach} through one shared limiter of the rate, the burst and {@code maxAtOnce}.
   */
  static void sharedRate(int n, int callers, int maxAtOnce, double rate, int burst, Function<Integer, CompletableFuture<?>> task)
      throws InterruptedException {
    SharedLimiter shared = Meter.limiter(Limits.of(maxAtOnce, Rate.perSecond(rate), burst));
    RunOptions options = RunOptions.builder().limiter(shared).build();
    Thread[] threads = new Thread[callers];
    for (int c = 0; c < callers; c++) {
      List<Integer> slice = Tasks.slice(n, callers, c);
      threads[c] = new Thread(() -> Meter.with(options).runOnEach(slice, asTask(task)).join(), "caller-" + c);
      threads[c].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }

  static void rate(Iterable<Integer> items, double rate, int burst, Function<Integer, CompletableFuture<?>> task) {
    Meter.with(RunOptions.builder().maxPerSecond(rate).maxBurst(burst).build()).runOnEach(items, asTask(task)).join();
  }
}
