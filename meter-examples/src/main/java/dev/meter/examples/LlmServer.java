package dev.meter.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * A stand-in for an LLM API on loopback, limited as those are: so many requests a minute and so many
 * tokens a minute, each a bucket that refills at its rate up to a burst. A request says its tokens in
 * an {@code X-Tokens} header; one that either bucket cannot take now is answered {@code 429} with a
 * {@code Retry-After} (whole seconds, at least 1) and {@code X-RateLimit-Exceeded: requests} or
 * {@code tokens}. A served request takes 20 ms, plus 1 ms per 100 tokens. It counts what it served,
 * the tokens, and the span from the first to the last served request, to report the rates it saw.
 */
public final class LlmServer implements AutoCloseable {

  /** The server's limits: per minute, with the burst each bucket holds. */
  public record Limits(double requestsPerMinute, int requestBurst, double tokensPerMinute, int tokenBurst) {
    public Limits {
      if (!(requestsPerMinute > 0) || !(tokensPerMinute > 0) || requestBurst < 1 || tokenBurst < 1) {
        throw new IllegalArgumentException("limits must be positive, but were " + requestsPerMinute + " requests/min (burst "
            + requestBurst + "), " + tokensPerMinute + " tokens/min (burst " + tokenBurst + ")");
      }
    }
  }

  /** What the server saw. */
  public record Stats(long served, long tokensServed, long refusedForRequests, long refusedForTokens, Duration span) {
    /**
     * Served requests per minute beyond the first burst, from the first served to the last: what the
     * limit per minute allows (the burst comes on top, once).
     */
    public double requestsPerMinuteBeyond(int burst) {
      return Math.max(0, served - burst) / Math.max(1e-9, span.toNanos() / 60e9);
    }

    /** Tokens served per minute beyond the first burst, from the first served request to the last. */
    public double tokensPerMinuteBeyond(int burst) {
      return Math.max(0, tokensServed - burst) / Math.max(1e-9, span.toNanos() / 60e9);
    }
  }

  private final Limits limits;
  private final HttpServer server;
  private final ExecutorService threads;
  // Guarded by this.
  private double requestsLeft;
  private double tokensLeft;
  private long refilledAt;
  private long served;
  private long tokensServed;
  private long refusedForRequests;
  private long refusedForTokens;
  private long firstServedAt;
  private long lastServedAt;

  private LlmServer(Limits limits) throws IOException {
    this.limits = limits;
    this.requestsLeft = limits.requestBurst();
    this.tokensLeft = limits.tokenBurst();
    this.refilledAt = System.nanoTime();
    this.threads = Loopback.threads("llm-server", 32);
    this.server = Loopback.create(threads);
    server.createContext("/v1/complete", this::handle);
    server.start();
  }

  /** Starts a server on a free loopback port. */
  public static LlmServer start(Limits limits) throws IOException {
    return new LlmServer(limits);
  }

  /** Where to send completions. */
  public URI endpoint() {
    return Loopback.uri(server, "/v1/complete");
  }

  public Limits limits() {
    return limits;
  }

  public synchronized Stats stats() {
    return new Stats(served, tokensServed, refusedForRequests, refusedForTokens, Duration.ofNanos(lastServedAt - firstServedAt));
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      long tokens;
      try {
        tokens = Long.parseLong(exchange.getRequestHeaders().getFirst("X-Tokens"));
      } catch (RuntimeException bad) {
        Loopback.respond(exchange, 400, "X-Tokens must be a whole number\n");
        return;
      }
      String exceeded = admit(tokens);
      if (exceeded != null) {
        long waitSeconds = exceeded.equals("requests") ? waitSeconds(true, 1) : waitSeconds(false, tokens);
        exchange.getResponseHeaders().set("Retry-After", Long.toString(waitSeconds));
        exchange.getResponseHeaders().set("X-RateLimit-Exceeded", exceeded);
        Loopback.respond(exchange, 429, "rate limit exceeded: " + exceeded + "\n");
        return;
      }
      try {
        Thread.sleep(20 + tokens / 100);  // stands for the model's work
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      }
      Loopback.respond(exchange, 200, "completion of " + tokens + " tokens\n");
    }
  }

  /** Takes a request and its tokens from the buckets, or says which one is short (and takes nothing). */
  private synchronized @Nullable String admit(long tokens) {
    long now = System.nanoTime();
    double minutes = (now - refilledAt) / 60e9;
    refilledAt = now;
    requestsLeft = Math.min(limits.requestBurst(), requestsLeft + minutes * limits.requestsPerMinute());
    tokensLeft = Math.min(limits.tokenBurst(), tokensLeft + minutes * limits.tokensPerMinute());
    if (requestsLeft < 1) {
      refusedForRequests++;
      return "requests";
    }
    if (tokensLeft < tokens) {
      refusedForTokens++;
      return "tokens";
    }
    requestsLeft -= 1;
    tokensLeft -= tokens;
    served++;
    tokensServed += tokens;
    if (firstServedAt == 0) {
      firstServedAt = now;
    }
    lastServedAt = now;
    return null;
  }

  /** How long until a bucket holds {@code needed}, in whole seconds, at least 1 (as real APIs round). */
  private synchronized long waitSeconds(boolean requests, double needed) {
    double available = requests ? requestsLeft : tokensLeft;
    double perMinute = requests ? limits.requestsPerMinute() : limits.tokensPerMinute();
    double seconds = Math.max(0, needed - available) / (perMinute / 60);
    return Math.max(1, (long) Math.ceil(seconds));
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
