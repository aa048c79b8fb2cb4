package dev.meter.benchmarks;

import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * W5 in a forked JVM (the parent gives it {@code -Xmx256m}): one peer runs {@code n} lazily made items,
 * at most {@code maxAtOnce} at once. First a timed pass for items per second; then a second pass while
 * a sampler forces a full GC every {@value #SAMPLE_MILLIS} ms and notes the heap in use at the end of
 * it (as the collector recorded it), which is then the live heap. Reported: items/s, and the highest live heap above the heap before the run.
 *
 * <p>Arguments: peer n maxAtOnce
 */
public final class LazyMemory {
  private LazyMemory() {}

  static final List<String> PEERS = List.of("jdk-baseline", "meter-core", "meter-kotlin", "reactor", "kotlinx");
  static final long SAMPLE_MILLIS = 20;

  /** Runs one peer; the arguments are in the class comment. */
  public static void main(String[] args) throws Exception {
    String peer = args[0];
    int n = Integer.parseInt(args[1]);
    int maxAtOnce = Integer.parseInt(args[2]);
    Function<Integer, CompletableFuture<?>> task = Tasks::completed;

    run(peer, n / 10, maxAtOnce, task);  // warm-up
    long before = System.nanoTime();
    run(peer, n, maxAtOnce, task);
    double seconds = (System.nanoTime() - before) / 1e9;

    System.gc();
    long idle = heapAfterLastGc();
    AtomicLong peak = new AtomicLong(idle);
    AtomicLong samples = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        System.gc();
        peak.accumulateAndGet(heapAfterLastGc(), Math::max);
        samples.incrementAndGet();
        try {
          Thread.sleep(SAMPLE_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "live-heap-sampler");
    sampler.start();
    run(peer, n, maxAtOnce, task);
    done.set(true);
    sampler.join();

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("itemsPerSecond", Math.round(n / seconds));
    result.put("peakLiveBytes", Math.max(0, peak.get() - idle));
    result.put("samples", samples.get());
    ForkedResult.report(result);
  }

  /**
   * The heap in use at the end of the last collection, as the collector recorded it inside its pause.
   * Reading the heap after {@code System.gc()} returns would also count what the running peer
   * allocated since the pause ended: at a few GB/s, megabytes within a millisecond.
   */
  static long heapAfterLastGc() {
    Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == MemoryType.HEAP)
        .map(MemoryPoolMXBean::getName)
        .collect(Collectors.toSet());
    GcInfo latest = null;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      GcInfo info = ((com.sun.management.GarbageCollectorMXBean) collector).getLastGcInfo();
      if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
        latest = info;
      }
    }
    if (latest == null) {
      throw new IllegalStateException("no garbage collection has run");
    }
    return latest.getMemoryUsageAfterGc().entrySet().stream()
        .filter(pool -> heapPools.contains(pool.getKey()))
        .mapToLong(pool -> pool.getValue().getUsed())
        .sum();
  }

  static void run(String peer, int n, int maxAtOnce, Function<Integer, CompletableFuture<?>> task) {
    Iterable<Integer> items = Tasks.lazyRange(n);
    switch (peer) {
      case "jdk-baseline" -> JdkBaseline.runOnEach(items, maxAtOnce, task);
      case "meter-core" -> MeterPeers.runOnEach(items, maxAtOnce, task);
      case "meter-kotlin" -> KotlinPeers.meterKotlinRunOnEach(items, maxAtOnce, task);
      case "reactor" -> ReactorPeers.flatMap(items, maxAtOnce, task);
      case "kotlinx" -> KotlinPeers.flatMapMerge(items, maxAtOnce, task);
      default -> throw new IllegalArgumentException("peer must be one of " + PEERS + ", but was " + peer);
    }
  }
}
