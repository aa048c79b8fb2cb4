package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Amap;
import dev.meter.api.RunOptions;
import dev.meter.api.Source;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs in its own JVM with {@code -Xmx64m} (the {@code lazy-memory-64m} surefire execution): 5,000,000
 * lazily generated items through {@code amap} must fit, which holds only if the run pulls items as
 * tasks can start and hands results over through its bounded buffer. Prints the peak heap for the record.
 */
class LazyMemoryTest {
  private static final int ITEMS = 5_000_000;

  @Test
  void amap_fiveMillionLazyItems_runInA64MiBHeap() {
    long maxHeap = Runtime.getRuntime().maxMemory();
    assertThat(maxHeap).as("this test must run with -Xmx64m").isLessThanOrEqualTo(64L << 20);
    Iterator<Long> generated = Stream.iterate(0L, i -> i + 1).limit(ITEMS).iterator();

    long count = 0;
    long peakHeap = usedHeap();
    long sum = 0;
    long started = System.nanoTime();
    try (Amap<Long> results = Meter.with(RunOptions.builder().maxAtOnce(100).build())
        .amap(Source.from(generated), i -> CompletableFuture.completedFuture(i * 2))) {
      for (long result : results) {
        count++;
        sum += result;
        if ((count & 0xFFFF) == 0) {
          peakHeap = Math.max(peakHeap, usedHeap());
        }
      }
    }
    long elapsed = System.nanoTime() - started;

    assertThat(count).isEqualTo(ITEMS);
    assertThat(sum).isEqualTo((long) ITEMS * (ITEMS - 1));  // 2 * (0 + 1 + ... + ITEMS-1)
    System.out.printf("lazy amap: %,d items in %.2f s (%,.0f items/s), max heap %d MiB, most heap in use when sampled %.1f MiB%n",
        count, elapsed / 1e9, count / (elapsed / 1e9), maxHeap >> 20, peakHeap / (double) (1 << 20));
  }

  /** Heap in use now, garbage included; sampled during the run (java.management is not read by this module). */
  private static long usedHeap() {
    Runtime runtime = Runtime.getRuntime();
    return runtime.totalMemory() - runtime.freeMemory();
  }
}
