package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Amap;
import dev.meter.api.RunOptions;
import dev.meter.api.Source;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SourcesTest {

  @Test
  void iterator_isPulledOnlyWhenATaskCanStart() {
    AtomicInteger pulled = new AtomicInteger();
    Iterator<Integer> endless = Stream.iterate(0, i -> i + 1).peek(i -> pulled.incrementAndGet()).iterator();
    List<CompletableFuture<Integer>> running = new ArrayList<>();
    try (Amap<Integer> amap = Meter.with(RunOptions.builder().maxAtOnce(3).build())
        .amap(Source.from(endless), i -> {
          CompletableFuture<Integer> task = new CompletableFuture<>();
          running.add(task);
          return task;
        })) {
      amap.iterator();
      assertThat(pulled.get()).isEqualTo(3);
      running.get(0).complete(0);
      assertThat(pulled.get()).isEqualTo(4);
    }
  }

  @Test
  void stream_isConsumedAndClosedWhenTheRunEnds() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    Stream<Integer> stream = IntStream.range(0, 5).boxed().onClose(() -> closed.set(true));
    Meter.withDefaults().runOnEach(Source.from(stream), i -> CompletableFuture.completedFuture(i)).get(5, TimeUnit.SECONDS);
    assertThat(closed).isTrue();
  }

  @Test
  void publisher_itemsAreRequestedAsTasksCanStart() throws Exception {
    List<Integer> seen = new ArrayList<>();
    try (SubmissionPublisher<Integer> publisher = new SubmissionPublisher<>()) {
      Amap<Integer> amap = Meter.with(RunOptions.builder().maxAtOnce(2).build())
          .amapOrdered(Source.from(publisher), i -> CompletableFuture.completedFuture(i * 10));
      Iterator<Integer> results = amap.iterator();
      Thread producer = new Thread(() -> {
        for (int i = 0; i < 20; i++) {
          publisher.submit(i);
        }
        publisher.close();
      });
      producer.start();
      results.forEachRemaining(seen::add);
      producer.join();
      amap.close();
    }
    assertThat(seen).isEqualTo(IntStream.range(0, 20).map(i -> i * 10).boxed().toList());
  }

  @Test
  void publisher_error_failsTheRun() {
    IllegalStateException broken = new IllegalStateException("upstream");
    java.util.concurrent.Flow.Publisher<Integer> failing = subscriber -> {
      subscriber.onSubscribe(new java.util.concurrent.Flow.Subscription() {
        @Override
        public void request(long n) {
          subscriber.onError(broken);
        }

        @Override
        public void cancel() {}
      });
    };
    try (Amap<Integer> amap = Meter.withDefaults().amap(Source.from(failing), i -> CompletableFuture.completedFuture(i))) {
      assertThatThrownBy(() -> amap.iterator().hasNext()).isSameAs(broken);
    }
  }

  @Test
  void nullItemsAndResults_arePassedThrough() throws Exception {
    List<String> input = new ArrayList<>();
    input.add(null);
    input.add("a");
    List<String> out = Meter.withDefaults().runAll(input.stream()
        .<dev.meter.api.AsyncCall<String>>map(s -> () -> CompletableFuture.completedFuture(s)).toList()).get();
    assertThat(out).containsExactly(null, "a");
  }
}
