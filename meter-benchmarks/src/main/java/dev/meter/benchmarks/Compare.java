package dev.meter.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The whole comparison in one command: W1 and W2 under JMH, W3 to W6 in forked JVMs, every peer in the
 * same run, and the results as a markdown table on standard out (and in {@code --out FILE}).
 *
 * <pre>
 * java -jar meter-benchmarks/target/meter-benchmarks.jar [--quick] [--only W1,W3,R1] [--out FILE]
 * </pre>
 */
public final class Compare {
  private Compare() {}

  private static final Set<String> ALL = Set.of("W1", "W2", "W3", "W4", "W5", "W6", "W7", "R1");

  /** Runs the comparison; see the class comment for the options. */
  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Set<String> only = ALL;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--only" -> only = parseOnly(value(args, ++i, "--only"));
        case "--out" -> out = Path.of(value(args, ++i, "--out"));
        default -> usage("unknown option: " + args[i]);
      }
    }
    Report report = new Report(quick);
    if (only.contains("W1")) {
      report.overhead(jmh(OverheadBenchmark.class, quick, true));
    }
    if (only.contains("W2")) {
      report.asyncLatency(jmh(AsyncLatencyBenchmark.class, quick, false));
    }
    if (only.contains("W3")) {
      report.rate("W3 rate precision: 20,000 starts at 10,000/s, burst 1", 20_000, 10_000, 1, new long[] {1, 10}, quick);
    }
    if (only.contains("W4")) {
      report.rate("W4 low rate: 50 starts at 20/s, burst 1", 50, 20, 1, new long[] {100, 1000}, quick);
    }
    if (only.contains("W5")) {
      report.lazyMemory(5_000_000, 100);
    }
    if (only.contains("W6")) {
      report.rate("W6 high rate: 200,000 starts at 100,000/s, burst 100", 200_000, 100_000, 100, new long[] {1, 10}, quick);
    }
    if (only.contains("W7")) {
      report.rate("W7 fast rate with a burst: 20,000 starts at 10,000/s, burst 10", 20_000, 10_000, 10, new long[] {1, 10}, quick);
    }
    if (only.contains("R1")) {
      report.redisQuota(quick);
    }
    String markdown = report.markdown();
    System.out.println();
    System.out.println(markdown);
    if (out != null) {
      Files.writeString(out, markdown, StandardCharsets.UTF_8);
      System.err.println("written to " + out);
    }
  }

  private static Set<String> parseOnly(String list) {
    Set<String> chosen = Arrays.stream(list.split(",")).map(String::trim).collect(Collectors.toSet());
    for (String w : chosen) {
      if (!ALL.contains(w)) {
        usage("--only takes workloads W1..W7 and R1, but was " + list);
      }
    }
    return chosen;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      usage(option + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: java -jar meter-benchmarks.jar [--quick] [--only W1,W3,...] [--out FILE]");
    System.exit(2);
  }

  /** Runs one JMH class (every peer is one of its methods) in its own fork, and keys the results by method. */
  static Map<String, RunResult> jmh(Class<?> benchmark, boolean quick, boolean allocation) throws RunnerException {
    ChainedOptionsBuilder options = new OptionsBuilder()
        .include(benchmark.getName() + "\\.")
        .forks(1)
        .warmupIterations(quick ? 2 : 5)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(quick ? 3 : 8)
        .measurementTime(TimeValue.seconds(1))
        // The heap's pages are touched before the first iteration: otherwise G1, growing its young
        // generation into memory never used yet, makes a peer that allocates pay for the kernel's
        // zeroing of those pages in the middle of its measurement (W2's Kotlin peers ran at 1.2x the
        // ideal, and then, for a dozen runs in a row, at 3x with the main thread's CPU time all spent
        // in allocation sites).
        .jvmArgsAppend("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch")
        .shouldFailOnError(true);
    if (allocation) {
      options.addProfiler(GCProfiler.class);
    }
    Collection<RunResult> results = new Runner(options.build()).run();
    Map<String, RunResult> byPeer = new LinkedHashMap<>();
    for (RunResult result : results) {
      String name = result.getParams().getBenchmark();
      byPeer.put(name.substring(name.lastIndexOf('.') + 1), result);
    }
    return byPeer;
  }

  /** The markdown tables, and the targets each meter row is held to. */
  static final class Report {
    private final boolean quick;
    private final List<String> sections = new ArrayList<>();

    Report(boolean quick) {
      this.quick = quick;
    }

    void overhead(Map<String, RunResult> results) {
      double baseline = results.get("jdkBaseline").getPrimaryResult().getScore();
      double flatMapMerge = results.get("kotlinxFlatMapMerge").getPrimaryResult().getScore();
      StringBuilder table = new StringBuilder();
      table.append("### W1 overhead: 1,000,000 completed-future tasks, maxAtOnce 256\n\n");
      table.append("| peer | tasks/s | ± (99.9%) | bytes/task | vs JDK baseline | vs flatMapMerge |\n");
      table.append("|---|---:|---:|---:|---:|---:|\n");
      results.forEach((peer, result) -> {
        Result<?> score = result.getPrimaryResult();
        Result<?> norm = result.getSecondaryResults().get("gc.alloc.rate.norm");
        table.append(String.format("| %s | %s | %s | %s | %.2fx | %.2fx |%n", label(peer), millions(score.getScore()),
            millions(score.getScoreError()), norm == null ? "n/a" : String.format("%.0f", norm.getScore()),
            score.getScore() / baseline, score.getScore() / flatMapMerge));
      });
      table.append("\nTargets: meter-core runOnEach >= 0.9x the JDK baseline, amap >= 0.6x, both <= 96 B/task; through a"
          + " shared limiter of no limits at most 15% slower than runOnEach alone; meter-kotlin >= 1.5x flatMapMerge.\n");
      sections.add(table.toString());
    }

    void asyncLatency(Map<String, RunResult> results) {
      StringBuilder table = new StringBuilder();
      table.append("### W2 async latency: 100,000 tasks of 1 ms on one shared timer, maxAtOnce 1,000 (ideal 100 ms)\n\n");
      table.append("| peer | wall ms | ± (99.9%) | / ideal |\n|---|---:|---:|---:|\n");
      results.forEach((peer, result) -> {
        Result<?> score = result.getPrimaryResult();
        table.append(String.format("| %s | %.1f | %.1f | %.2fx |%n", label(peer), score.getScore(), score.getScoreError(),
            score.getScore() / AsyncLatencyBenchmark.IDEAL_MILLIS));
      });
      table.append("\nTarget: meter <= 1.15x ideal.\n");
      sections.add(table.toString());
    }

    void rate(String title, int n, double rate, int burst, long[] windowsMillis, boolean quickRun) {
      int repeats = quickRun ? 1 : 3;
      String windows = Arrays.stream(windowsMillis).mapToObj(Long::toString).collect(Collectors.joining(","));
      StringBuilder table = new StringBuilder("### " + title + "\n\n");
      table.append("| peer | span error (median / worst) |");
      for (long w : windowsMillis) {
        table.append(" most in ").append(w).append(" ms (envelope ")
            .append(StartTimes.envelope(w * 1_000_000, rate, burst)).append(") |");
      }
      table.append(" CPU ms | cores busy | switches per start | within envelope |\n|---|---:|");
      table.append("---:|".repeat(windowsMillis.length)).append("---:|---:|---:|---|\n");
      for (String peer : RatePrecision.PEERS) {
        System.err.printf("%s: %s%n", title.substring(0, 2), peer);
        // A fixed, touched heap as the JMH forks have (see above): a peer's CPU time per start is what
        // it measures, and a heap growing into untouched pages added the kernel's page faults to it
        // (four Kotlin callers at 100,000/s: 1,400 ms of CPU per run against 1,000 with the heap touched).
        Map<String, String> r = ForkedResult.run(List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"), RatePrecision.class,
            List.of(peer, Integer.toString(n), Double.toString(rate), Integer.toString(burst), windows,
                Integer.toString(repeats)));
        boolean within = true;
        table.append(String.format("| %s | %.3f%% / %.3f%% |", label(peer), Double.parseDouble(r.get("errorPercentMedian")),
            Double.parseDouble(r.get("errorPercentWorst"))));
        for (long w : windowsMillis) {
          int most = Integer.parseInt(r.get("maxIn" + w + "ms"));
          within &= most <= StartTimes.envelope(w * 1_000_000, rate, burst);
          table.append(' ').append(most).append(" |");
        }
        table.append(String.format(" %.0f | %.2f | %.2f | %s |%n", Double.parseDouble(r.get("cpuMillisMedian")),
            Double.parseDouble(r.get("coresMedian")), Double.parseDouble(r.get("switchesPerStartMedian")),
            within ? "yes" : "**no**"));
      }
      table.append(String.format("%nRuns per peer: %d after a warm-up run of the same size. Targets: never above the envelope, span error <= 0.1%%, "
          + "CPU well under one core; with bursts of 2 or more at 10,000/s, at most 0.5 context switches per start.%n", repeats));
      sections.add(table.toString());
    }

    void redisQuota(boolean quickRun) {
      int repeats = quickRun ? 1 : 3;
      int seconds = quickRun ? 1 : 3;
      StringBuilder table = new StringBuilder();
      table.append("### R1 a quota in Redis: starts one after another per caller, redis-server on loopback, quota never binding\n\n");
      table.append("| peer | callers | starts/s (median; runs) | vs bucket4j-lettuce | p50 µs per start | p99 µs per start |\n");
      table.append("|---|---:|---:|---:|---:|---:|\n");
      int port = freePort();
      redis.embedded.RedisServer server;
      try {
        server = redis.embedded.RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"").build();
        server.start();
      } catch (IOException failed) {
        throw new IllegalStateException("cannot start redis-server: " + failed.getMessage(), failed);
      }
      try {
        for (int callers : new int[] {1, 4, 16}) {
          Map<String, Map<String, String>> byPeer = new LinkedHashMap<>();
          for (String peer : RedisQuotaPeers.PEERS) {
            System.err.printf("R1: %s, %d callers%n", peer, callers);
            byPeer.put(peer, ForkedResult.run(List.of("-Xmx512m"), RedisQuotaPeers.class,
                List.of(peer, Integer.toString(port), Integer.toString(callers), Integer.toString(seconds), Integer.toString(repeats))));
          }
          double baseline = median(byPeer.get("bucket4j-lettuce").get("startsPerSecond"));
          byPeer.forEach((peer, r) -> table.append(String.format("| %s | %d | %.0f; %s | %.2fx | %s | %s |%n", peer, callers,
              median(r.get("startsPerSecond")), r.get("startsPerSecond").replace(",", ", "),
              median(r.get("startsPerSecond")) / baseline, r.get("p50Micros"), r.get("p99Micros"))));
        }
      } finally {
        try {
          server.stop();
        } catch (IOException ignored) {
          // the table is what matters; the server dies with this JVM anyway
        }
      }
      table.append(String.format("%nRuns of %d s per row after a 1 s warm-up, each peer in its own JVM; p50 and p99 over all runs' starts.%n", seconds));
      sections.add(table.toString());
    }

    private static double median(String commaSeparated) {
      double[] values = Arrays.stream(commaSeparated.split(",")).mapToDouble(Double::parseDouble).sorted().toArray();
      return values[values.length / 2];
    }

    private static int freePort() {
      try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
        return socket.getLocalPort();
      } catch (IOException failed) {
        throw new IllegalStateException(failed);
      }
    }

    void lazyMemory(int n, int maxAtOnce) {
      StringBuilder table = new StringBuilder();
      table.append("### W5 lazy memory: 5,000,000 lazily made items, maxAtOnce 100, -Xmx256m\n\n");
      table.append("| peer | items/s | vs JDK baseline | peak live heap | full-GC samples |\n|---|---:|---:|---:|---:|\n");
      double baseline = 0;
      for (String peer : LazyMemory.PEERS) {
        System.err.printf("W5: %s%n", peer);
        Map<String, String> r = ForkedResult.run(List.of("-Xmx256m"), LazyMemory.class,
            List.of(peer, Integer.toString(n), Integer.toString(maxAtOnce)));
        double perSecond = Double.parseDouble(r.get("itemsPerSecond"));
        if (baseline == 0) {
          baseline = perSecond;
        }
        table.append(String.format("| %s | %s | %.2fx | %.1f KiB | %s |%n", label(peer), millions(perSecond), perSecond / baseline,
            Long.parseLong(r.get("peakLiveBytes")) / 1024.0, r.get("samples")));
      }
      table.append("\nTarget: meter's peak live heap <= 4 MiB at >= 0.8x the JDK baseline's speed.\n");
      sections.add(table.toString());
    }

    String markdown() {
      StringBuilder text = new StringBuilder();
      text.append("## meter benchmarks, ").append(LocalDate.now()).append(quick ? " (quick run)" : "").append("\n\n");
      text.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ')
          .append(System.getProperty("java.runtime.version")).append('\n');
      text.append("- machine: ").append(cpuModel()).append(", ")
          .append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
          .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append('\n');
      text.append("- harness: JVM arguments ").append(ManagementFactory.getRuntimeMXBean().getInputArguments()).append("\n\n");
      sections.forEach(section -> text.append(section).append('\n'));
      return text.toString();
    }

    private static String cpuModel() {
      try {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(line -> line.startsWith("model name"))
            .map(line -> line.substring(line.indexOf(':') + 1).trim())
            .findFirst().orElse("unknown CPU");
      } catch (IOException | RuntimeException e) {
        return "unknown CPU";
      }
    }

    private static String millions(double perSecond) {
      return String.format("%.2f M", perSecond / 1e6);
    }

    private static final Map<String, String> LABELS = Map.ofEntries(
        Map.entry("jdkBaseline", "JDK baseline (Semaphore + CompletableFuture)"),
        Map.entry("jdk-baseline", "JDK baseline (Semaphore + CompletableFuture)"),
        Map.entry("meterCoreRunOnEach", "**meter-core** runOnEach"),
        Map.entry("meterCoreAmap", "**meter-core** amap"),
        Map.entry("meterCoreSharedLimiterNoLimits", "**meter-core** runOnEach through a shared limiter of no limits"),
        Map.entry("meter-core", "**meter-core** runOnEach"),
        Map.entry("meterKotlinRunOnEach", "**meter-kotlin** runOnEach"),
        Map.entry("meterKotlinAmap", "**meter-kotlin** amap (Flow)"),
        Map.entry("meter-kotlin", "**meter-kotlin** runOnEach"),
        Map.entry("meter-core-4-callers", "**meter-core**, 4 callers through one shared limiter (64 at once)"),
        Map.entry("meter-kotlin-4-callers", "**meter-kotlin**, 4 callers through one shared limiter (64 at once)"),
        Map.entry("reactorFlatMap", "Reactor flatMap"),
        Map.entry("reactor", "Reactor (flatMap; Flux.interval for rate)"),
        Map.entry("kotlinxFlatMapMerge", "kotlinx flatMapMerge"),
        Map.entry("kotlinx", "kotlinx flatMapMerge"),
        Map.entry("jdk-gcra-loop", "JDK baseline (GCRA loop, park + spin)"),
        Map.entry("guava", "Guava RateLimiter"),
        Map.entry("bucket4j", "Bucket4j (blocking consume)"),
        Map.entry("resilience4j", "Resilience4j RateLimiter"));

    private static String label(String peer) {
      return LABELS.getOrDefault(peer, peer);
    }
  }
}
