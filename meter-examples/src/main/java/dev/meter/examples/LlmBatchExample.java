package dev.meter.examples;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.Amap;
import dev.meter.api.ItemResult;
import dev.meter.api.LimiterConfig;
import dev.meter.api.OverloadedException;
import dev.meter.api.RetryAfter;
import dev.meter.api.RetryPolicy;
import dev.meter.api.RunOptions;
import dev.meter.api.spi.Limiter;
import dev.meter.core.Meter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * A batch of LLM-style requests of varying token counts against {@link LlmServer}, which allows 600
 * requests and 300,000 tokens a minute (bursts of 10 requests and 20,000 tokens) and answers the rest
 * with 429 and a Retry-After. Each request goes through a limiter of requests and a
 * {@linkplain Meter#costLimiter cost limiter} of tokens, at 95% of the published limits; a refused
 * request is tried again after its Retry-After by the run's retry policy, so none is lost.
 * {@code --over-limit} gives the client twice the server's limits, as a client that read the wrong
 * tier would have: the requests limiter is then adaptive, and comes down on the 429s.
 *
 * <pre>
 * --n N          prompts (default 150), of 50 to 1,500 tokens each
 * --over-limit   limits twice the server's
 * --seed S       the prompts' token counts (default 1)
 * </pre>
 */
public final class LlmBatchExample {

  /** The server's published limits. */
  static final LlmServer.Limits SERVER = new LlmServer.Limits(600, 10, 300_000, 20_000);

  /** One prompt: its number and how many tokens it will cost. */
  record Prompt(int id, long tokens) {}

  /** The parsed command line. */
  record Options(int n, boolean overLimit, long seed) {
    static Options parse(String... args) {
      int n = 150;
      boolean overLimit = false;
      long seed = 1;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--n" -> n = Args.positiveInt(args[i], Args.value(args, ++i));
          case "--over-limit" -> overLimit = true;
          case "--seed" -> seed = Args.positiveInt("--seed", Args.value(args, ++i));
          default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --n, --over-limit, --seed");
        }
      }
      return new Options(n, overLimit, seed);
    }
  }

  /** What the batch did, and what the server saw. */
  record Result(int prompts, int answered, int lost, long requests, long retries, Duration elapsed, LlmServer.Stats server) {}

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

  static Result run(Options options, PrintStream out) throws IOException {
    Random random = new Random(options.seed());
    List<Prompt> prompts = IntStream.range(0, options.n()).mapToObj(i -> new Prompt(i, 50 + random.nextInt(1_451))).toList();
    double share = options.overLimit() ? 2.0 : 0.95;
    double requestsPerMinute = SERVER.requestsPerMinute() * share;
    double tokensPerMinute = SERVER.tokensPerMinute() * share;
    int requestBurst = (int) (SERVER.requestBurst() * Math.min(share, 1) * (options.overLimit() ? 2 : 1));
    int tokenBurst = (int) (SERVER.tokenBurst() * Math.min(share, 1) * (options.overLimit() ? 2 : 1));
    LimiterConfig requestConfig = LimiterConfig.builder()
        .rate(requestsPerMinute, Duration.ofMinutes(1)).maxBurst(Math.max(1, requestBurst)).build();
    Limiter requests = options.overLimit()
        ? Meter.adaptiveLimiter(AdaptiveConfig.builder(requestConfig).minPerSecond(0.1).build())
        : Meter.limiter(requestConfig);
    Limiter tokens = Meter.costLimiter(LimiterConfig.builder()
        .rate(tokensPerMinute, Duration.ofMinutes(1)).maxBurst(tokenBurst).build(), (Prompt prompt) -> prompt.tokens());
    RunOptions run = RunOptions.builder()
        .limiter(requests)
        .limiter(tokens)
        .retry(RetryPolicy.builder().maxAttempts(20).backoff(Duration.ofMillis(200), Duration.ofMinutes(1))
            .retryOn(failure -> failure instanceof OverloadedException).build())
        .build();

    try (LlmServer server = LlmServer.start(SERVER)) {
      out.printf(Locale.ROOT, "%d prompts, %d tokens in all, to a server allowing %.0f requests and %.0f tokens a minute;"
              + " the client's limits: %.0f requests and %.0f tokens a minute (bursts of %d and %d)%s%n",
          prompts.size(), prompts.stream().mapToLong(Prompt::tokens).sum(), SERVER.requestsPerMinute(), SERVER.tokensPerMinute(),
          requestsPerMinute, tokensPerMinute, requestBurst, tokenBurst, options.overLimit() ? ", adaptive" : "");
      HttpClient client = HttpClient.newHttpClient();
      long start = System.nanoTime();
      int answered = 0;
      int lost = 0;
      long retries = 0;
      try (Amap<ItemResult<Prompt, String>> answers = Meter.with(run).amapResults(prompts, prompt -> complete(client, server, prompt))) {
        for (ItemResult<Prompt, String> answer : answers) {
          retries += answer.attempts() - 1;
          if (answer.outcome().isSuccess()) {
            answered++;
          } else {
            lost++;
            out.println("lost " + answer.item() + ": " + answer.outcome().failureOrNull());
          }
        }
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      LlmServer.Stats seen = server.stats();
      Result result = new Result(prompts.size(), answered, lost, seen.served() + seen.refusedForRequests() + seen.refusedForTokens(),
          retries, elapsed, seen);
      out.printf(Locale.ROOT, "%d answered, %d lost, in %.1f s; %d requests, %d refused (%d for requests, %d for tokens), %d retries%n",
          answered, lost, elapsed.toNanos() / 1e9, result.requests(), seen.refusedForRequests() + seen.refusedForTokens(),
          seen.refusedForRequests(), seen.refusedForTokens(), retries);
      out.printf(Locale.ROOT, "the server served %d tokens in %.1f s: beyond its first bursts, %.0f requests/min (%.0f%% of its"
              + " limit) and %.0f tokens/min (%.0f%% of its limit)%n", seen.tokensServed(), seen.span().toNanos() / 1e9,
          seen.requestsPerMinuteBeyond(SERVER.requestBurst()), 100 * seen.requestsPerMinuteBeyond(SERVER.requestBurst()) / SERVER.requestsPerMinute(),
          seen.tokensPerMinuteBeyond(SERVER.tokenBurst()), 100 * seen.tokensPerMinuteBeyond(SERVER.tokenBurst()) / SERVER.tokensPerMinute());
      return result;
    }
  }

  /** One completion; a 429 fails it with an {@link OverloadedException} carrying the server's Retry-After. */
  private static CompletableFuture<String> complete(HttpClient client, LlmServer server, Prompt prompt) {
    HttpRequest request = HttpRequest.newBuilder(server.endpoint()).header("X-Tokens", Long.toString(prompt.tokens()))
        .POST(HttpRequest.BodyPublishers.ofString("prompt " + prompt.id())).build();
    return client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
      if (response.statusCode() == 429) {
        Duration wait = RetryAfter.of(response, Instant.now()).flatMap(RetryAfter::delay).orElse(Duration.ofSeconds(1));
        throw new OverloadedException("429 for prompt " + prompt.id() + ": "
            + response.headers().firstValue("X-RateLimit-Exceeded").orElse("?"), wait, OverloadedException.Exceeded.RATE);
      }
      if (response.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + response.statusCode() + " for prompt " + prompt.id());
      }
      return response.body();
    });
  }
}
