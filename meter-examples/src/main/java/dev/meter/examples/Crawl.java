package dev.meter.examples;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.AdaptiveLimiter;
import dev.meter.api.Amap;
import dev.meter.api.ItemResult;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.OverloadedException;
import dev.meter.api.RetryAfter;
import dev.meter.api.RetryPolicy;
import dev.meter.api.event.MeterListener;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.event.TaskEvent;
import dev.meter.core.Meter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The crawl itself: fetches every URL through one adaptive limiter ({@code maxAtOnce}, {@code
 * maxPerSecond}, {@code burst} to start with, and as ceilings). A {@code 429} or {@code 503} answer is an
 * {@link OverloadedException} carrying the server's {@code Retry-After}: the limiter lowers its limits
 * and pauses every caller for that long, and the run's retry policy fetches the refused URL again once
 * the pause is over. Successes raise the limits back towards their ceilings. Pages fetched are reported
 * to a listener, which drives the progress bar in {@link CrawlExample}.
 */
public final class Crawl {

  /**
   * What the crawl did.
   *
   * @param steadyPerSecond pages fetched per second over the second half of the crawl (from the moment
   *     half the pages were in to the last): the rate once the limiter has found the server's
   */
  public record Summary(int pages, long requests, long refusals, long retries, Duration elapsed,
      double steadyPerSecond, String finalLimits, List<String> changes) {
    /** Requests sent per second, over the whole crawl. */
    public double requestsPerSecond() {
      return requests / Math.max(1e-9, elapsed.toNanos() / 1e9);
    }
  }

  /** Every URL is tried this many times at most: a server that refuses it ten times is down, not busy. */
  static final int MAX_ATTEMPTS = 10;

  private final HttpClient client;
  private final AdaptiveLimiter limiter;
  private final MeterListener progress;
  private final List<String> changes = new CopyOnWriteArrayList<>();
  private final long started = System.nanoTime();

  public Crawl(HttpClient client, Limits limits, MeterListener progress) {
    this.client = client;
    this.limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(LimiterConfig.builder().limits(limits).build())
        .minPerSecond(1)
        .onChange(change -> changes.add(String.format(Locale.ROOT, "%.1f s: %s (%s)",
            (System.nanoTime() - started) / 1e9, describe(change.after()), change.cause())))
        .build());
    this.progress = progress;
  }

  /** The one limiter every request goes through; other code may share it. */
  public SharedLimiter limiter() {
    return limiter;
  }

  /** Fetches every URL, each refused one again after the server's pause; returns what it took. */
  public Summary fetchAll(List<URI> urls) {
    long start = System.nanoTime();
    AtomicLong requests = new AtomicLong();
    AtomicLong refusals = new AtomicLong();
    long retries = 0;
    int pages = 0;
    long halfwayAt = start;
    RunOptions options = RunOptions.builder()
        .limiter(limiter)
        .listener(progress)
        .retry(RetryPolicy.builder().maxAttempts(MAX_ATTEMPTS).retryOn(failure -> failure instanceof OverloadedException).build())
        .build();
    try (Amap<ItemResult<URI, String>> results = Meter.with(options).amapResults(urls, url -> {
      requests.incrementAndGet();
      return fetch(url).whenComplete((page, failure) -> {
        if (failure != null && failure.getCause() instanceof OverloadedException) {
          refusals.incrementAndGet();
        }
      });
    })) {
      for (ItemResult<URI, String> result : results) {
        Throwable failure = result.outcome().failureOrNull();
        if (failure != null) {
          throw new IllegalStateException("fetching " + result.item() + " failed after " + result.attempts() + " attempts", failure);
        }
        retries += result.attempts() - 1;
        if (++pages == (urls.size() + 1) / 2) {
          halfwayAt = System.nanoTime();
        }
      }
    }
    long end = System.nanoTime();
    double steady = (pages - (urls.size() + 1) / 2) / Math.max(1e-9, (end - halfwayAt) / 1e9);
    return new Summary(pages, requests.get(), refusals.get(), retries, Duration.ofNanos(end - start), steady,
        describe(limiter.limits()), List.copyOf(changes));
  }

  /** One GET; a refusal fails it with an {@link OverloadedException} carrying the server's Retry-After. */
  public CompletableFuture<String> fetch(URI url) {
    HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
      int status = response.statusCode();
      if (status == 429 || status == 503) {
        // Either form of the header; absent or malformed (never fatal here): a second.
        Duration pause = RetryAfter.of(response, Instant.now()).flatMap(RetryAfter::delay).orElse(Duration.ofSeconds(1));
        // A 429 is about the rate, a 503 here about the requests in flight: the limiter lowers that one.
        throw new OverloadedException("HTTP " + status + " for " + url, pause,
            status == 429 ? OverloadedException.Exceeded.RATE : OverloadedException.Exceeded.AT_ONCE);
      }
      if (status != 200) {
        throw new IllegalStateException("HTTP " + status + " for " + url);
      }
      return response.body();
    });
  }

  /** "5 at once, 20/s, bursts of 3": limits as the summary prints them. */
  static String describe(Limits limits) {
    return limits.maxAtOnce() + " at once, " + limits.rate() + ", bursts of " + limits.maxBurst();
  }

  /** Counts pages fetched, for whoever shows progress. */
  public static final class PageCounter implements MeterListener {
    private final Runnable onPage;

    public PageCounter(Runnable onPage) {
      this.onPage = onPage;
    }

    @Override
    public void onSucceeded(TaskEvent event) {
      onPage.run();
    }
  }
}
