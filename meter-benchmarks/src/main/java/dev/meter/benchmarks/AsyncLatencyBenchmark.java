package dev.meter.benchmarks;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * W2, async latency: 100,000 items, each task completing 1 ms after it starts on one shared timer
 * thread, at most 1,000 at once. The ideal is 100 rounds of 1 ms: 100 ms. The score is the wall time
 * of one whole run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class AsyncLatencyBenchmark {
  static final int ITEMS = 100_000;
  static final int MAX_AT_ONCE = 1_000;
  static final double IDEAL_MILLIS = ITEMS / (double) MAX_AT_ONCE;

  private List<Integer> items = List.of();
  private ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private Function<Integer, CompletableFuture<?>> task = item -> CompletableFuture.completedFuture(item);

  /** Boxes the items and starts the shared timer thread. */
  @Setup
  public void start() {
    items = Tasks.boxedRange(ITEMS);
    timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "shared-timer");
      thread.setDaemon(true);
      return thread;
    });
    ScheduledExecutorService shared = timer;
    task = item -> Tasks.afterOneMillisecond(shared, item);
  }

  /** Stops the shared timer thread. */
  @TearDown
  public void stop() {
    timer.shutdownNow();
  }

  /** The hand-written Semaphore + CompletableFuture loop (the bar). */
  @Benchmark
  public void jdkBaseline() {
    JdkBaseline.runOnEach(items, MAX_AT_ONCE, task);
  }

  /** meter-core {@code runOnEach}. */
  @Benchmark
  public void meterCoreRunOnEach() {
    MeterPeers.runOnEach(items, MAX_AT_ONCE, task);
  }

  /** meter-kotlin {@code Iterable.runOnEach}. */
  @Benchmark
  public void meterKotlinRunOnEach() {
    KotlinPeers.meterKotlinRunOnEach(items, MAX_AT_ONCE, task);
  }

  /** meter-kotlin {@code Iterable.amap}, every result collected. */
  @Benchmark
  public void meterKotlinAmap() {
    KotlinPeers.meterKotlinAmap(items, MAX_AT_ONCE, task);
  }

  /** Reactor {@code Flux.flatMap(task, concurrency)}. */
  @Benchmark
  public void reactorFlatMap() {
    ReactorPeers.flatMap(items, MAX_AT_ONCE, task);
  }

  /** kotlinx.coroutines {@code flatMapMerge(concurrency)}. */
  @Benchmark
  public void kotlinxFlatMapMerge() {
    KotlinPeers.flatMapMerge(items, MAX_AT_ONCE, task);
  }
}
