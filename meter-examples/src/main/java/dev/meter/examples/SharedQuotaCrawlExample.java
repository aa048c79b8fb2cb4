package dev.meter.examples;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisServer;

/**
 * Two crawler processes ({@link QuotaCrawler}) sharing one quota held in Redis, against the embedded
 * rate-limited server: each alone would be allowed the whole quota, so without Redis together they
 * would send twice the server's rate; through the shared quota they stay within it, with no refusal.
 * Starts a redis-server of its own (from the embedded-redis artifact) unless given one.
 *
 * <pre>
 * --pages N        pages per crawler (default 300)
 * --redis URI      a Redis to hold the quota (default: start one on loopback)
 * --crawlers N     crawler processes (default 2)
 * </pre>
 *
 * <p>The server allows 25 requests a second in bursts of 10, 8 in flight; the quota is 24 a second in
 * bursts of 5, 7 at once: a little under the server's, since a start's request reaches the server a
 * few milliseconds after Redis granted it, by a delay that varies, and the server counts a request in
 * flight until a moment after its response has reached the client (which then frees its slot).
 */
public final class SharedQuotaCrawlExample {
  static final RateLimitedServer.Limits SERVER = new RateLimitedServer.Limits(25, 10, 8, Duration.ofMillis(5), Duration.ofMillis(30));
  static final double QUOTA_PER_SECOND = 24;
  static final int QUOTA_BURST = 5;
  static final int QUOTA_AT_ONCE = 7;

  /** What the crawlers did together, and what the server saw. */
  record Report(int crawlers, int pages, long failed, double seconds, double crawlSeconds, RateLimitedServer.Stats server) {
    /** Requests the server served per second of the crawl (from the first crawler's first start to the last one's end). */
    double requestsPerSecond() {
      return server.served() / crawlSeconds;
    }
  }

  private SharedQuotaCrawlExample() {}

  /** Runs the crawlers and prints what they and the server saw; the options are in the class comment. */
  public static void main(String[] args) throws Exception {
    int pages = 300;
    int crawlers = 2;
    URI redis = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--pages" -> pages = Args.positiveInt(args[i], Args.value(args, ++i));
        case "--crawlers" -> crawlers = Args.positiveInt(args[i], Args.value(args, ++i));
        case "--redis" -> redis = URI.create(Args.value(args, ++i));
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --pages, --crawlers, --redis");
      }
    }
    Report report = run(crawlers, pages, redis);
    System.out.printf("%d crawlers, %d pages each: %d fetched, %d failed, crawling for %.1f s (%.1f s with the JVMs' start)%n",
        report.crawlers(), report.pages(), report.server().served(), report.failed(), report.crawlSeconds(), report.seconds());
    System.out.printf("server: %.1f requests/s together (quota %.0f/s, server %.0f/s), %d refused, peak %d in flight (quota %d, server %d)%n",
        report.requestsPerSecond(), QUOTA_PER_SECOND, SERVER.perSecond(), report.server().refused(),
        report.server().peakInFlight(), QUOTA_AT_ONCE, SERVER.maxInFlight());
  }

  /** Runs {@code crawlers} crawler processes of {@code pages} each through one quota; Redis at {@code redis}, or one started here. */
  static Report run(int crawlers, int pages, URI redis) throws Exception {
    RedisServer started = null;
    if (redis == null) {
      int port = freePort();
      started = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("save \"\"").build();
      started.start();
      redis = URI.create("redis://127.0.0.1:" + port);
    }
    try (RateLimitedServer server = RateLimitedServer.start(SERVER)) {
      String quota = "crawl-" + UUID.randomUUID();
      long begin = System.nanoTime();
      List<Process> processes = new ArrayList<>();
      for (int c = 0; c < crawlers; c++) {
        processes.add(new ProcessBuilder(javaCommand(QuotaCrawler.class, redis.toString(), quota, server.baseUri().toString(),
            Integer.toString(pages), Integer.toString(c * pages), Double.toString(QUOTA_PER_SECOND),
            Integer.toString(QUOTA_BURST), Integer.toString(QUOTA_AT_ONCE))).redirectErrorStream(true).start());
      }
      long failed = 0;
      long firstStart = Long.MAX_VALUE;
      long lastEnd = Long.MIN_VALUE;
      for (Process process : processes) {
        Map<String, String> crawled = crawledLine(process);
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
          process.destroyForcibly();
          throw new IllegalStateException("a crawler process did not end");
        }
        if (process.exitValue() != 0 || crawled == null) {
          throw new IllegalStateException("a crawler process failed (exit " + process.exitValue() + ")");
        }
        failed += Long.parseLong(crawled.get("failed"));
        firstStart = Math.min(firstStart, Long.parseLong(crawled.get("startedAtMillis")));
        lastEnd = Math.max(lastEnd, Long.parseLong(crawled.get("endedAtMillis")));
      }
      double seconds = (System.nanoTime() - begin) / 1e9;
      return new Report(crawlers, pages, failed, seconds, (lastEnd - firstStart) / 1e3, server.stats());
    } finally {
      if (started != null) {
        started.stop();
      }
    }
  }

  /** The crawler's {@code CRAWLED key=value ...} line; its other output is passed through. */
  private static Map<String, String> crawledLine(Process process) throws IOException {
    Map<String, String> fields = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith("CRAWLED ")) {
          fields = new java.util.LinkedHashMap<>();
          for (String field : line.substring(8).split(" ")) {
            int eq = field.indexOf('=');
            fields.put(field.substring(0, eq), field.substring(eq + 1));
          }
        } else if (!line.isBlank() && !line.startsWith("SLF4J:")) {
          System.err.println("  crawler: " + line);
        }
      }
    }
    return fields;
  }

  /** A command starting {@code main} in a new JVM with this one's class path (and module path, under a test runner). */
  static List<String> javaCommand(Class<?> main, String... args) {
    String classPath = System.getProperty("java.class.path");
    String modulePath = System.getProperty("jdk.module.path");
    if (modulePath != null && !modulePath.isEmpty()) {
      classPath = classPath + File.pathSeparator + modulePath;
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, "-Xmx128m", main.getName()));
    command.addAll(List.of(args));
    return command;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
