package dev.meter.benchmarks;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Reactor as its users limit work: {@code flatMap(concurrency)}, and pacing by {@code Flux.interval}. */
final class ReactorPeers {
  private ReactorPeers() {}

  static void flatMap(Iterable<Integer> items, int concurrency, Function<Integer, CompletableFuture<?>> task) {
    Flux.fromIterable(items).flatMap(item -> Mono.fromFuture(task.apply(item)), concurrency).blockLast();
  }

  /**
   * One start per tick of {@code Flux.interval} (Reactor has no rate limiter of its own); the first
   * tick is at once. A burst is not expressible: ticks that come late are caught up at once.
   */
  static void interval(Iterable<Integer> items, double rate, Function<Integer, CompletableFuture<?>> task) {
    Duration period = Duration.ofNanos(Math.round(1e9 / rate));
    Flux.fromIterable(items)
        .zipWith(Flux.interval(Duration.ZERO, period), (item, tick) -> item)
        .flatMap(item -> Mono.fromFuture(task.apply(item)))
        .blockLast();
  }
}
