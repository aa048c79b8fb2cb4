package dev.meter.benchmarks;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * W1, overhead: 1,000,000 items whose task is an already completed future, at most 256 at once, no
 * rate. One operation is one task, so the score is tasks per second and the GC profiler's
 * {@code gc.alloc.rate.norm} is bytes allocated per task.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(OverheadBenchmark.ITEMS)
public class OverheadBenchmark {
  static final int ITEMS = 1_000_000;
  static final int MAX_AT_ONCE = 256;
  private static final Function<Integer, CompletableFuture<?>> TASK = Tasks::completed;

  private List<Integer> items = List.of();

  /** Boxes the items once, outside the measurement. */
  @Setup
  public void boxItems() {
    items = Tasks.boxedRange(ITEMS);
  }

  /** The hand-written Semaphore + CompletableFuture loop (the bar). */
  @Benchmark
  public void jdkBaseline() {
    JdkBaseline.runOnEach(items, MAX_AT_ONCE, TASK);
  }

  /** meter-core {@code runOnEach}. */
  @Benchmark
  public void meterCoreRunOnEach() {
    MeterPeers.runOnEach(items, MAX_AT_ONCE, TASK);
  }

  /** meter-core {@code runOnEach} through a shared limiter that sets no limit: what its bookkeeping costs. */
  @Benchmark
  public void meterCoreSharedLimiterNoLimits() {
    MeterPeers.runOnEachThroughUnlimitedSharedLimiter(items, MAX_AT_ONCE, TASK);
  }

  /** meter-core {@code amap}, every result taken from its iterator. */
  @Benchmark
  public long meterCoreAmap() {
    return MeterPeers.amap(items, MAX_AT_ONCE, TASK);
  }

  /** meter-kotlin {@code Iterable.runOnEach}. */
  @Benchmark
  public void meterKotlinRunOnEach() {
    KotlinPeers.meterKotlinRunOnEach(items, MAX_AT_ONCE, TASK);
  }

  /** meter-kotlin {@code Iterable.amap}, the flow collected. */
  @Benchmark
  public void meterKotlinAmap() {
    KotlinPeers.meterKotlinAmap(items, MAX_AT_ONCE, TASK);
  }

  /** Reactor {@code Flux.flatMap(task, concurrency)}. */
  @Benchmark
  public void reactorFlatMap() {
    ReactorPeers.flatMap(items, MAX_AT_ONCE, TASK);
  }

  /** kotlinx.coroutines {@code flatMapMerge(concurrency)}. */
  @Benchmark
  public void kotlinxFlatMapMerge() {
    KotlinPeers.flatMapMerge(items, MAX_AT_ONCE, TASK);
  }
}
