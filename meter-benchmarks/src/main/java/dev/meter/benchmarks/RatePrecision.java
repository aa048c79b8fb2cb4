package dev.meter.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * W3, W4, W6 in a forked JVM: one peer paces {@code n} starts at {@code rate} with bursts of
 * {@code burst}, a few times over; each task notes when it started. Reported: the first-to-last span
 * against the ideal, the most starts seen in each window size, the process CPU time per run (a
 * limiter that spins shows up there) and the context switches per start (one that wakes a thread per
 * start shows up there).
 *
 * <p>Arguments: peer n rate burst windowsMillis(comma-separated) repeats
 */
public final class RatePrecision {
  private RatePrecision() {}

  static final List<String> PEERS =
      List.of("jdk-gcra-loop", "meter-core", "meter-kotlin", "meter-core-4-callers", "meter-kotlin-4-callers", "guava", "bucket4j", "resilience4j", "reactor");

  /** The shared limiter's maxAtOnce for the four-caller peers (as issue 15's W6 gives it). */
  static final int SHARED_MAX_AT_ONCE = 64;

  /** Runs one peer; the arguments are in the class comment. */
  public static void main(String[] args) throws Exception {
    String peer = args[0];
    int n = Integer.parseInt(args[1]);
    double rate = Double.parseDouble(args[2]);
    int burst = Integer.parseInt(args[3]);
    long[] windows = Arrays.stream(args[4].split(",")).mapToLong(ms -> Long.parseLong(ms) * 1_000_000).toArray();
    int repeats = Integer.parseInt(args[5]);

    // Warm up the peer's code path with one run like those measured. A tenth of one (as before) left
    // the JIT compiling through the first measured runs, and its threads' CPU time counted against the
    // peer: most for the peers with the most code to compile (the Kotlin ones: 2.8 s of C2 time in a
    // process of four measured 2 s runs).
    run(peer, n, rate, burst);

    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    List<Double> errors = new ArrayList<>();
    List<Double> cpuShares = new ArrayList<>();
    List<Long> cpuNanos = new ArrayList<>();
    List<Double> switchesPerStart = new ArrayList<>();
    int[] worst = new int[windows.length];
    for (int r = 0; r < repeats; r++) {
      long switchesBefore = ContextSwitches.count();
      long cpuBefore = os.getProcessCpuTime();
      long wallBefore = System.nanoTime();
      long[] starts = run(peer, n, rate, burst);
      long wall = System.nanoTime() - wallBefore;
      long cpu = os.getProcessCpuTime() - cpuBefore;
      switchesPerStart.add((ContextSwitches.count() - switchesBefore) / (double) n);
      StartTimes times = new StartTimes(starts);
      long ideal = StartTimes.idealSpanNanos(n, rate, burst);
      errors.add(Math.abs(times.spanNanos() - ideal) * 100.0 / ideal);
      cpuNanos.add(cpu);
      cpuShares.add(cpu / (double) wall);
      for (int w = 0; w < windows.length; w++) {
        worst[w] = Math.max(worst[w], times.maxInWindow(windows[w]));
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("errorPercentMedian", median(errors));
    result.put("errorPercentWorst", errors.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    result.put("cpuMillisMedian", median(cpuNanos.stream().map(c -> c / 1e6).toList()));
    result.put("coresMedian", median(cpuShares));
    result.put("switchesPerStartMedian", median(switchesPerStart));
    for (int w = 0; w < windows.length; w++) {
      result.put("maxIn" + windows[w] / 1_000_000 + "ms", worst[w]);
    }
    ForkedResult.report(result);
  }

  static long[] run(String peer, int n, double rate, int burst) throws Exception {
    Tasks.StartRecorder recorder = new Tasks.StartRecorder(n);
    Iterable<Integer> items = Tasks.lazyRange(n);
    switch (peer) {
      case "jdk-gcra-loop" -> JdkBaseline.gcraLoop(items, rate, burst, recorder::start);
      case "meter-core" -> MeterPeers.rate(items, rate, burst, recorder::start);
      case "meter-kotlin" -> KotlinPeers.meterKotlinRate(items, rate, burst, recorder::start);
      case "meter-core-4-callers" -> MeterPeers.sharedRate(n, 4, SHARED_MAX_AT_ONCE, rate, burst, recorder::start);
      case "meter-kotlin-4-callers" -> KotlinPeers.meterKotlinSharedRate(n, 4, SHARED_MAX_AT_ONCE, rate, burst, recorder::start);
      case "guava" -> RateLimiterPeers.guava(items, rate, recorder::start);
      case "bucket4j" -> RateLimiterPeers.bucket4j(items, rate, burst, recorder::start);
      case "resilience4j" -> RateLimiterPeers.resilience4j(items, rate, burst, recorder::start);
      case "reactor" -> ReactorPeers.interval(items, rate, recorder::start);
      default -> throw new IllegalArgumentException("peer must be one of " + PEERS + ", but was " + peer);
    }
    return recorder.starts;
  }

  static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
