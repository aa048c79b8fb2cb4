package dev.meter.examples;

import dev.meter.api.Amap;
import dev.meter.api.ItemResult;
import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RetryAfter;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The crawl itself: fetches every URL through one shared limiter ({@code maxAtOnce}, {@code
 * maxPerSecond}, {@code burst}). A {@code 429} or {@code 503} answer pauses the shared limiter for the
 * server's {@code Retry-After}, so no request starts anywhere until then, halves its rate, and the
 * refused URLs are fetched again in the next round. Pages fetched are reported to a listener, which drives the
 * progress bar in {@link CrawlExample}.
 */
public final class Crawl {

  /** What the crawl did. */
  public record Summary(int pages, long requests, long refusals, int rounds, Duration elapsed, String finalLimits) {
    /** Requests sent per second, over the whole crawl. */
    public double requestsPerSecond() {
      return requests / Math.max(1e-9, elapsed.toNanos() / 1e9);
    }
  }

  /** The server said "not now": the URL is fetched again once the pause it asked for is over. */
  static final class Refused extends RuntimeException {
    final int status;

    Refused(int status, URI url) {
      super("HTTP " + status + " for " + url, null, false, false);
      this.status = status;
    }
  }

  private final HttpClient client;
  private final SharedLimiter limiter;
  private final MeterListener progress;
  private final long[] lastSlowDown = {System.nanoTime() - Long.MAX_VALUE / 2, System.nanoTime() - Long.MAX_VALUE / 2};

  public Crawl(HttpClient client, Limits limits, MeterListener progress) {
    this.client = client;
    this.limiter = Meter.limiter(limits);
    this.progress = progress;
  }

  /** The one limiter every request goes through; other code may share it. */
  public SharedLimiter limiter() {
    return limiter;
  }

  /** Fetches every URL, retrying refused ones after the server's pause; returns what it took. */
  public Summary fetchAll(List<URI> urls) {
    long start = System.nanoTime();
    AtomicLong requests = new AtomicLong();
    long refusals = 0;
    int pages = 0;
    int rounds = 0;
    List<URI> todo = urls;
    RunOptions options = RunOptions.builder()
        .limiter(limiter).listener(progress).build();
    while (!todo.isEmpty()) {
      rounds++;
      List<URI> refused = new ArrayList<>();
      try (Amap<ItemResult<URI, String>> results = Meter.with(options).amapResults(todo, url -> {
        requests.incrementAndGet();
        return fetch(url);
      })) {
        for (ItemResult<URI, String> result : results) {
          Throwable failure = result.outcome().failureOrNull();
          if (failure == null) {
            pages++;
          } else if (failure instanceof Refused) {
            refusals++;
            refused.add(result.item());
          } else {
            throw new IllegalStateException("fetching " + result.item() + " failed", failure);
          }
        }
      }
      todo = refused;
    }
    return new Summary(pages, requests.get(), refusals, rounds, Duration.ofNanos(System.nanoTime() - start),
        describe(limiter.limits()));
  }

  /** One GET; a refusal pauses the shared limiter for the server's Retry-After before failing. */
  public CompletableFuture<String> fetch(URI url) {
    HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build();
    long sentAt = System.nanoTime();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
      int status = response.statusCode();
      if (status == 429 || status == 503) {
        // Either form of the header; absent or malformed (never fatal here): a second.
        Duration pause = RetryAfter.of(response, Instant.now()).flatMap(RetryAfter::delay)
            .orElse(Duration.ofSeconds(1));
        limiter.pauseFor(pause);  // every caller of this limiter holds off, not just this request
        slowDown(status, sentAt);
        throw new Refused(status, url);
      }
      if (status != 200) {
        throw new IllegalStateException("HTTP " + status + " for " + url);
      }
      return response.body();
    });
  }

  /**
   * A refusal says a limit is above the server's: a 429 the rate or its burst, a 503 the requests in flight. Halve
   * that limit while the limiter is in use, but only for a request sent after the last halving: the
   * refusals of requests sent at the old limit say nothing about the new one. Never below one per
   * second or one at once.
   */
  private synchronized void slowDown(int status, long sentAt) {
    int which = status == 429 ? 0 : 1;
    if (sentAt - lastSlowDown[which] < 0) {
      return;
    }
    lastSlowDown[which] = System.nanoTime();
    if (status == 429) {
      // Rate and burst both: after the pause the limiter has its full burst back, and a burst above
      // the server's is refused however low the rate.
      Limits now = limiter.limits();
      double perSecond = now.rate() == null ? 1 : now.rate().perSecond();
      limiter.setLimits(now.withRate(Rate.perSecond(Math.max(1, perSecond / 2))).withMaxBurst(Math.max(1, now.maxBurst() / 2)));
    } else {
      limiter.setMaxAtOnce(Math.max(1, limiter.limits().maxAtOnce() / 2));
    }
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
