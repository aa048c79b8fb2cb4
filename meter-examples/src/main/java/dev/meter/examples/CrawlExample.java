package dev.meter.examples;

import dev.meter.api.Limits;
import dev.meter.api.Rate;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The flagship example: fetches N pages with {@code java.net.http.HttpClient} through meter, at most
 * {@code --max-at-once} at once and {@code --max-per-second} per second, with a live progress bar, and
 * ends with a summary that shows the limits held. By default it starts {@link RateLimitedServer} on
 * loopback (25 requests/s, bursts of 10, 8 in flight) and stays inside its limits, so the server refuses
 * nothing. {@code --over-limit} starts with limits above the server's: the adaptive limiter comes down
 * to the server's on its {@code 429 + Retry-After} answers, and the run's retry policy fetches each
 * refused page again.

 *
 * <pre>
 * --n N                 pages to fetch (default 200)
 * --max-at-once N       requests in flight at most (default 5)
 * --max-per-second R    requests started per second at most (default 20)
 * --burst B             starts let through at once (default 3)
 * --url URL             fetch URL N times from a real server instead of the embedded one
 * --urls-file FILE      fetch each URL in FILE (one per line) instead
 * --over-limit          limits above the embedded server's: see the refusals and the recovery
 *                       (1,000 pages unless --n says otherwise: enough to come down and hold)
 * --server-rate R       the embedded server's requests per second (default 25)
 * --server-burst B      the embedded server's burst (default 10)
 * --server-in-flight N  the embedded server's requests in flight at most (default 8)
 * --no-progress         no progress bar (for logs)
 * </pre>
 */
public final class CrawlExample {

  /** The parsed command line. */
  record Options(int n, int maxAtOnce, double maxPerSecond, int burst, URI url, Path urlsFile, boolean overLimit,
      boolean progress, RateLimitedServer.Limits server) {

    static Options parse(String... args) {
      int n = -1;
      RateLimitedServer.Limits defaults = RateLimitedServer.Limits.defaults();
      double serverRate = defaults.perSecond();
      int serverBurst = defaults.burst();
      int serverInFlight = defaults.maxInFlight();
      int maxAtOnce = 5;
      double maxPerSecond = 20;
      int burst = 3;
      URI url = null;
      Path urlsFile = null;
      boolean overLimit = false;
      boolean progress = true;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--n" -> n = Args.positiveInt(arg, Args.value(args, ++i));
          case "--max-at-once" -> maxAtOnce = Args.positiveInt(arg, Args.value(args, ++i));
          case "--max-per-second" -> maxPerSecond = Args.positiveDouble(arg, Args.value(args, ++i));
          case "--burst" -> burst = Args.positiveInt(arg, Args.value(args, ++i));
          case "--url" -> url = URI.create(Args.value(args, ++i));
          case "--urls-file" -> urlsFile = Path.of(Args.value(args, ++i));
          case "--over-limit" -> overLimit = true;
          case "--no-progress" -> progress = false;
          case "--server-rate" -> serverRate = Args.positiveDouble(arg, Args.value(args, ++i));
          case "--server-burst" -> serverBurst = Args.positiveInt(arg, Args.value(args, ++i));
          case "--server-in-flight" -> serverInFlight = Args.positiveInt(arg, Args.value(args, ++i));
          default -> throw new IllegalArgumentException("unknown option " + arg
              + "; options: --n, --max-at-once, --max-per-second, --burst, --url, --urls-file, --over-limit, --no-progress,"
              + " --server-rate, --server-burst, --server-in-flight");
        }
      }
      if (overLimit) {  // well above the embedded server's 25/s, burst 10, 8 in flight
        maxAtOnce = Math.max(maxAtOnce, 16);
        maxPerSecond = Math.max(maxPerSecond, 80);
        burst = Math.max(burst, 20);
      }
      if (n < 0) {
        n = overLimit ? 1_000 : 200;
      }
      RateLimitedServer.Limits server = new RateLimitedServer.Limits(serverRate, serverBurst, serverInFlight,
          defaults.minLatency(), defaults.maxLatency());
      return new Options(n, maxAtOnce, maxPerSecond, burst, url, urlsFile, overLimit, progress, server);
    }
  }

  public static void main(String[] args) throws IOException {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException bad) {
      System.err.println(bad.getMessage());
      System.exit(2);
      return;
    }
    run(options, System.out);
  }

  /** Runs the example and prints its summary to {@code out}; returns the summary and the server's count. */
  static Result run(Options options, PrintStream out) throws IOException {
    RateLimitedServer server = options.url() == null && options.urlsFile() == null
        ? RateLimitedServer.start(options.server()) : null;
    try {
      List<URI> urls = urls(options, server);
      out.printf(Locale.ROOT, "fetching %d pages from %s: at most %d at once, %.1f per second, bursts of %d%n",
          urls.size(), server != null ? String.format(Locale.ROOT, "the embedded server %s (%.0f/s, burst %d, %d in flight)",
              server.baseUri(), options.server().perSecond(), options.server().burst(), options.server().maxInFlight())
              : "the given URLs", options.maxAtOnce(), options.maxPerSecond(), options.burst());
      HttpClient client = HttpClient.newHttpClient();
      Limits limits = Limits.of(options.maxAtOnce(), Rate.perSecond(options.maxPerSecond()), options.burst());
      Crawl.Summary summary;
      if (options.progress()) {
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("pages").setInitialMax(urls.size())
            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(100).showSpeed().build()) {
          summary = new Crawl(client, limits, new Crawl.PageCounter(bar::step)).fetchAll(urls);
        }
      } else {
        summary = new Crawl(client, limits, new Crawl.PageCounter(() -> { })).fetchAll(urls);
      }
      RateLimitedServer.Stats seen = server == null ? null : server.stats();
      printSummary(out, summary, seen, options);
      return new Result(summary, seen);
    } finally {
      if (server != null) {
        server.close();
      }
    }
  }

  /** The summary and, with the embedded server, what the server saw. */
  record Result(Crawl.Summary summary, RateLimitedServer.Stats server) {}

  private static List<URI> urls(Options options, RateLimitedServer server) throws IOException {
    if (options.urlsFile() != null) {
      return Files.readAllLines(options.urlsFile()).stream().map(String::trim).filter(line -> !line.isEmpty())
          .map(URI::create).toList();
    }
    if (options.url() != null) {
      return IntStream.range(0, options.n()).mapToObj(i -> options.url()).toList();
    }
    return IntStream.range(0, options.n()).mapToObj(server::page).toList();
  }

  private static void printSummary(PrintStream out, Crawl.Summary summary, RateLimitedServer.Stats server, Options options) {
    out.printf(Locale.ROOT, "%nfetched %d pages with %d requests in %.2f s: %.1f requests/s (limit %.1f/s after a first burst of %d)%n",
        summary.pages(), summary.requests(), summary.elapsed().toNanos() / 1e9, summary.requestsPerSecond(),
        options.maxPerSecond(), options.burst());
    if (server != null) {
      out.printf(Locale.ROOT, "server: served %d, peak %d in flight (limit %d at once), refused %d (%d x 429, %d x 503)%n",
          server.served(), server.peakInFlight(), options.maxAtOnce(), server.refused(), server.tooManyRequests(),
          server.overloaded());
    }
    if (summary.refusals() > 0) {
      out.printf(Locale.ROOT, "%d refusals (%.1f%% of requests), each URL tried again after the Retry-After: %d retries;"
          + " second half at %.1f pages/s; the adaptive limiter ended at %s%n", summary.refusals(),
          100.0 * summary.refusals() / summary.requests(), summary.retries(), summary.steadyPerSecond(), summary.finalLimits());
      summary.changes().stream().limit(40).forEach(change -> out.println("  limits " + change));
    } else {
      out.println("0 refusals: the limits held");
    }
  }
}
