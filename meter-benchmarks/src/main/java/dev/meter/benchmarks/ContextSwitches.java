package dev.meter.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Context switches of this process so far, voluntary and not, summed over its live threads from
 * {@code /proc/self/task/*}/status (Linux). A rate limiter that wakes a thread per start shows up here
 * before it shows in CPU time.
 */
final class ContextSwitches {
  private ContextSwitches() {}

  /** The count now, or -1 where {@code /proc} is not there. */
  static long count() {
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return -1;
    }
    long total = 0;
    try (Stream<Path> threads = Files.list(tasks)) {
      for (Path thread : (Iterable<Path>) threads::iterator) {
        total += switchesOf(thread.resolve("status"));
      }
    } catch (IOException unreadable) {
      return -1;
    }
    return total;
  }

  private static long switchesOf(Path status) {
    try {
      long sum = 0;
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
          sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      return sum;
    } catch (IOException | RuntimeException threadEnded) {
      return 0;  // the thread ended while the directory was read
    }
  }
}
