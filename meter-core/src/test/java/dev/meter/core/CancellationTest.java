package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.Amap;
import dev.meter.api.RunOptions;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CancellationTest {
  private final VirtualTime time = VirtualTime.create();

  private RunOptions.Builder options() {
    return RunOptions.builder().timeSource(time);
  }

  @Test
  void close_early_cancelsRunningTakesNoMoreInputAndReturnsAfterTheySettle() {
    Probe probe = new Probe();
    AtomicInteger pulled = new AtomicInteger();
    Iterator<Integer> source = IntStream.range(0, 1_000).peek(i -> pulled.incrementAndGet()).iterator();
    Amap<Integer> amap = Meter.with(options().maxAtOnce(4).build())
        .amap(dev.meter.api.Source.from(source), i -> probe.track(i, time.delay(Duration.ofMillis(10 + i % 5), i)));
    Iterator<Integer> results = amap.iterator();
    time.advance(Duration.ofMillis(10));
    assertThat(results.next()).isNotNull();
    int pulledAtClose = pulled.get();

    amap.close();

    assertThat(probe.active.get()).isZero();
    time.advance(Duration.ofSeconds(1));
    assertThat(pulled.get()).isEqualTo(pulledAtClose);
    assertThat(time.pendingTimers()).isZero();
  }

  @Test
  void close_afterClose_isIdempotentAndIterationThenThrows() {
    Amap<Integer> amap = Meter.withDefaults().amap(List.of(1), CompletableFuture::completedFuture);
    amap.close();
    amap.close();
    assertThatThrownBy(amap::iterator).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void iterator_twice_throws() {
    try (Amap<Integer> amap = Meter.withDefaults().amap(List.of(1), CompletableFuture::completedFuture)) {
      amap.iterator();
      assertThatThrownBy(amap::iterator).isInstanceOf(IllegalStateException.class).hasMessageContaining("already iterated");
    }
  }

  @Test
  void future_cancel_cancelsTheRunAndEveryRunningTask() {
    Probe probe = new Probe();
    CompletableFuture<Void> run = Meter.with(options().maxAtOnce(5).build())
        .runOnEach(IntStream.range(0, 50).boxed().toList(), i -> probe.track(i, time.delay(Duration.ofSeconds(1), i)));
    assertThat(probe.active.get()).isEqualTo(5);

    run.cancel(true);

    assertThat(run).isCancelled();
    assertThat(probe.active.get()).isZero();
    time.advance(Duration.ofSeconds(10));
    assertThat(probe.started).hasSize(5);
  }

  @Test
  void blocking_cancelledRun_interruptsRunningTasksAndWaitsForThem() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3, Defaults.daemonThreads("test-interrupt-"));
    try {
      CountDownLatch allStarted = new CountDownLatch(3);
      AtomicInteger interrupted = new AtomicInteger();
      AtomicInteger inside = new AtomicInteger();
      Amap<Integer> amap = Meter.with(RunOptions.builder().maxAtOnce(3).executor(pool).build())
          .amap(IntStream.range(0, 10).boxed().toList(), Meter.blocking(i -> {
            inside.incrementAndGet();
            try {
              allStarted.countDown();
              Thread.sleep(60_000);  // stands for blocking I/O; must be interrupted
              return i;
            } catch (InterruptedException e) {
              interrupted.incrementAndGet();
              throw e;
            } finally {
              inside.decrementAndGet();
            }
          }));
      amap.iterator();
      assertThat(allStarted.await(10, TimeUnit.SECONDS)).isTrue();

      amap.close();

      assertThat(interrupted.get()).isEqualTo(3);
      assertThat(inside.get()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void iterator_interruptedConsumer_cancelsTheRunAndKeepsItsInterruptFlag() {
    Probe probe = new Probe();
    Amap<Integer> amap = Meter.with(options().maxAtOnce(2).build())
        .amap(List.of(1, 2, 3), i -> probe.track(i, time.delay(Duration.ofHours(1), i)));
    Iterator<Integer> results = amap.iterator();
    Thread.currentThread().interrupt();

    assertThatThrownBy(results::hasNext).isInstanceOf(CancellationException.class);

    assertThat(Thread.currentThread().isInterrupted()).isTrue();
    amap.close();
    assertThat(Thread.interrupted()).isTrue();  // close kept it too; clear it for the next test
    assertThat(probe.active.get()).isZero();
  }

  @Test
  void amap_slowConsumer_stopsNewStartsOnceTheBufferIsFull() {
    Probe probe = new Probe();
    try (Amap<Integer> amap = Meter.with(options().maxAtOnce(2).bufferSize(5).build())
        .amap(IntStream.range(0, 100).boxed().toList(), i -> probe.track(i, CompletableFuture.completedFuture(i)))) {
      Iterator<Integer> results = amap.iterator();
      assertThat(results.next()).isNotNull();  // the consumer takes one, then stops reading
      // 1 delivered + 5 buffered + at most 2 started while the buffer filled
      assertThat(probe.started.size()).isBetween(6, 8);
      int before = probe.started.size();
      time.advance(Duration.ofSeconds(1));
      assertThat(probe.started).hasSize(before);
      results.next();
      assertThat(probe.started.size()).isGreaterThan(before);
    }
  }

  @Test
  void amap_slowConsumerNoConcurrencyLimitInstantTasks_stopsNewStartsOnceTheBufferIsFull() {
    // Instant tasks settle inside their start: the run must count them before starting more.
    AtomicInteger pulled = new AtomicInteger();
    Iterator<Integer> endless = java.util.stream.Stream.iterate(0, i -> i + 1).peek(i -> pulled.incrementAndGet()).iterator();
    try (Amap<Integer> amap = Meter.with(options().bufferSize(16).build())
        .amap(dev.meter.api.Source.from(endless), CompletableFuture::completedFuture)) {
      Iterator<Integer> results = amap.iterator();
      assertThat(results.next()).isZero();
      assertThat(pulled.get()).isBetween(16, 18);
    }
  }

  @Test
  void publisher_cancelledSubscription_cancelsTheRun() {
    Probe probe = new Probe();
    Amap<Integer> amap = Meter.with(options().maxAtOnce(3).build())
        .amap(IntStream.range(0, 10).boxed().toList(), i -> probe.track(i, time.delay(Duration.ofHours(1), i)));
    amap.asPublisher().subscribe(new java.util.concurrent.Flow.Subscriber<Integer>() {
      @Override
      public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
        s.request(1);
        s.cancel();
      }

      @Override
      public void onNext(Integer item) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onComplete() {}
    });
    assertThat(probe.active.get()).isZero();
    amap.close();
  }

  @Test
  void amapOrdered_interruptWhileResultsWaitBehindASlowHead_cancelsTheRun() throws InterruptedException {
    // Given input order, a buffer of 4, item 0 that never ends by itself and items after it done at once
    CompletableFuture<Integer> head = new CompletableFuture<>();
    Amap<Integer> amap = Meter.with(options().bufferSize(4).build())
        .amapOrdered(IntStream.range(0, 10).boxed().toList(), i -> i == 0 ? head : CompletableFuture.completedFuture(i));
    Throwable[] thrown = new Throwable[1];
    CountDownLatch waiting = new CountDownLatch(1);
    Thread consumer = new Thread(() -> {
      Iterator<Integer> results = amap.iterator();
      waiting.countDown();
      try {
        results.hasNext();  // the buffer is full of results behind item 0: this waits
      } catch (Throwable t) {
        thrown[0] = t;
      }
    });
    consumer.setDaemon(true);  // if it spins past its interrupt, the test fails and the JVM still exits
    consumer.start();
    waiting.await();

    // When the waiting consumer is interrupted
    consumer.interrupt();
    consumer.join(TimeUnit.SECONDS.toMillis(10));

    // Then it was parked, not spinning past its interrupt: the run is cancelled, item 0 with it
    assertThat(consumer.isAlive()).as("consumer still in hasNext").isFalse();
    assertThat(thrown[0]).isInstanceOf(CancellationException.class);
    assertThat(head).isCancelled();
    amap.close();
  }
}
