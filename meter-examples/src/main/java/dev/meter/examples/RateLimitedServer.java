package dev.meter.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small HTTP server on loopback that enforces limits the way a real API does: a request rate with a
 * burst (GCRA, the same rule as meter's), answered with {@code 429 Too Many Requests} and a
 * {@code Retry-After} header when exceeded, and a maximum of requests in flight, answered with
 * {@code 503 Service Unavailable}. Each served request takes a small random latency. It counts what it
 * served and refused, and the most requests it ever had in flight, so a client can prove it stayed
 * within the limits.
 *
 * <p>{@code GET /page/N} answers {@code 200} with a short body naming the page.
 */
public final class RateLimitedServer implements AutoCloseable {

  /** The limits the server enforces, and the latency range of a served request. */
  public record Limits(double perSecond, int burst, int maxInFlight, Duration minLatency, Duration maxLatency) {
    public Limits {
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException("perSecond must be a finite number > 0, but was " + perSecond);
      }
      if (burst < 1) {
        throw new IllegalArgumentException("burst must be >= 1, but was " + burst);
      }
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be >= 1, but was " + maxInFlight);
      }
      if (minLatency.isNegative() || maxLatency.compareTo(minLatency) < 0) {
        throw new IllegalArgumentException("latency must be 0 <= min <= max, but was " + minLatency + ".." + maxLatency);
      }
    }

    /**
     * The embedded default: 25 requests per second with bursts of 10, 8 in flight, 5 to 30 ms each. The
     * burst is above any client's requests in flight, as a real API's tends to be: requests a client
     * started on time may still arrive together (a cold connection pool delays the first ones).
     */
    public static Limits defaults() {
      return new Limits(25, 10, 8, Duration.ofMillis(5), Duration.ofMillis(30));
    }
  }

  /** What the server saw. */
  public record Stats(long served, long tooManyRequests, long overloaded, int peakInFlight) {
    /** Requests refused, for rate or for load. */
    public long refused() {
      return tooManyRequests + overloaded;
    }
  }

  private final Limits limits;
  private final HttpServer server;
  private final ExecutorService threads;
  private final long intervalNanos;
  private final long toleranceNanos;
  private long tat;  // GCRA theoretical arrival time, guarded by this
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger peakInFlight = new AtomicInteger();
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong tooManyRequests = new AtomicLong();
  private final AtomicLong overloaded = new AtomicLong();

  private RateLimitedServer(Limits limits) throws IOException {
    this.limits = limits;
    this.intervalNanos = Math.round(1e9 / limits.perSecond());
    this.toleranceNanos = (limits.burst() - 1) * intervalNanos;
    this.tat = System.nanoTime();
    // More threads than maxInFlight, so that refusing (rather than queueing) is what limits load.
    this.threads = Loopback.threads("rate-limited-server", Math.max(16, limits.maxInFlight() * 4));
    this.server = Loopback.create(threads);
    server.createContext("/page/", this::handle);
    server.start();
  }

  /** Starts a server on a free loopback port. */
  public static RateLimitedServer start(Limits limits) throws IOException {
    return new RateLimitedServer(limits);
  }

  /** The server's address, for example {@code http://127.0.0.1:41234/}. */
  public URI baseUri() {
    return Loopback.uri(server, "/");
  }

  /** The URL of page {@code n}. */
  public URI page(int n) {
    return baseUri().resolve("page/" + n);
  }

  public Limits limits() {
    return limits;
  }

  public Stats stats() {
    return new Stats(served.get(), tooManyRequests.get(), overloaded.get(), peakInFlight.get());
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      int now = inFlight.incrementAndGet();
      try {
        peakInFlight.accumulateAndGet(now, Math::max);
        if (now > limits.maxInFlight()) {
          overloaded.incrementAndGet();
          exchange.getResponseHeaders().set("Retry-After", "1");
          Loopback.respond(exchange, 503, "too many requests in flight\n");
          return;
        }
        long waitNanos = admit();
        if (waitNanos > 0) {
          tooManyRequests.incrementAndGet();
          long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
          exchange.getResponseHeaders().set("Retry-After", Long.toString(seconds));
          Loopback.respond(exchange, 429, "rate limit exceeded\n");
          return;
        }
        sleepLatency();
        served.incrementAndGet();
        Loopback.respond(exchange, 200, "page " + exchange.getRequestURI().getPath() + "\n");
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }

  /** GCRA: 0 if a request may be served now (and books it), otherwise how long until one may. */
  private synchronized long admit() {
    long now = System.nanoTime();
    long allowedAt = tat - toleranceNanos;
    if (now - allowedAt < 0) {
      return allowedAt - now;
    }
    tat = Math.max(tat, now) + intervalNanos;
    return 0;
  }

  private void sleepLatency() {
    long min = limits.minLatency().toNanos();
    long max = limits.maxLatency().toNanos();
    long nanos = min == max ? min : ThreadLocalRandom.current().nextLong(min, max + 1);
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));  // stands for the server's work
    } catch (InterruptedException stopped) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
