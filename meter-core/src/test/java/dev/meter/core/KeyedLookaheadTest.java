package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Amap;
import dev.meter.api.AsyncTask;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.event.MeterListener;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.api.event.TaskEvent;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Items refused by a keyed limiter wait aside while later items for other keys start: a busy host
 * does not stall a crawl of the others.
 */
class KeyedLookaheadTest {
  private final VirtualTime time = VirtualTime.create();
  /** Every started task's future, by item, in start order; the test completes them. */
  private final Map<String, CompletableFuture<String>> started = new LinkedHashMap<>();
  private final AsyncTask<String, String> held = this::hold;

  private CompletionStage<String> hold(String url) {
    CompletableFuture<String> future = new CompletableFuture<>();
    started.put(url, future);
    return future;
  }

  private KeyedLimiter<String> perHost(LimiterConfig.Builder limits) {
    return Meter.keyedLimiter(limits.timeSource(time).build());
  }

  private RunOptions.Builder options(KeyedLimiter<String> perHost) {
    return RunOptions.builder()
        .limiter(perHost.by((String url) -> url.substring(0, url.indexOf('/'))))
        .timeSource(time);
  }

  private void complete(String url) {
    started.get(url).complete(url.toUpperCase());
  }

  @Test
  void runOnEach_busyKey_laterKeysStartMeanwhile() {
    // Given one request at a time per host
    KeyedLimiter<String> perHost = perHost(LimiterConfig.builder().maxAtOnce(1));

    // When three pages of host a come before one page each of b and c
    CompletableFuture<Void> run = Meter.with(options(perHost).build())
        .runOnEach(List.of("a/0", "a/1", "a/2", "b/0", "c/0"), held);

    // Then b and c do not wait for a's pages
    assertThat(started.keySet()).containsExactly("a/0", "b/0", "c/0");
    // And a's pages start one after another, in input order
    complete("a/0");
    assertThat(started.keySet()).containsExactly("a/0", "b/0", "c/0", "a/1");
    complete("a/1");
    assertThat(started.keySet()).containsExactly("a/0", "b/0", "c/0", "a/1", "a/2");
    complete("a/2");
    complete("b/0");
    complete("c/0");
    assertThat(run).isCompleted();
    assertThat(perHost.stats().succeeded()).isEqualTo(5);
  }

  @Test
  void lookahead_zero_startsStrictlyInInputOrder() {
    KeyedLimiter<String> perHost = perHost(LimiterConfig.builder().maxAtOnce(1));

    CompletableFuture<Void> run = Meter.with(options(perHost).lookahead(0).build())
        .runOnEach(List.of("a/0", "a/1", "b/0"), held);

    assertThat(started.keySet()).containsExactly("a/0");
    complete("a/0");
    assertThat(started.keySet()).containsExactly("a/0", "a/1", "b/0");
    complete("a/1");
    complete("b/0");
    assertThat(run).isCompleted();
  }

  @Test
  void lookahead_full_theNextRefusedItemHoldsBackTheRest() {
    // Given room to hold one item aside
    KeyedLimiter<String> perHost = perHost(LimiterConfig.builder().maxAtOnce(1));

    CompletableFuture<Void> run = Meter.with(options(perHost).lookahead(1).build())
        .runOnEach(List.of("a/0", "a/1", "a/2", "b/0"), held);

    // Then a/1 waits aside, a/2 finds no room and waits in line, and b/0 behind it
    assertThat(started.keySet()).containsExactly("a/0");
    complete("a/0");
    // a/1 (held aside) goes first; a/2 then has room aside, so b/0 starts
    assertThat(started.keySet()).containsExactly("a/0", "a/1", "b/0");
    complete("a/1");
    complete("b/0");
    complete("a/2");
    assertThat(run).isCompleted();
  }

  @Test
  void runOnEach_itemHeldAsideTakesTheLastFreePlace_newerItemsWait() {
    // Given 2 at a time in the run and 1 per host, with a/1 aside and c/0 waiting for a place
    KeyedLimiter<String> perHost = perHost(LimiterConfig.builder().maxAtOnce(1));
    CompletableFuture<Void> run = Meter.with(options(perHost).maxAtOnce(2).build())
        .runOnEach(List.of("a/0", "a/1", "b/0", "c/0"), held);
    assertThat(started.keySet()).containsExactly("a/0", "b/0");

    // When a/0 ends, one place is free
    complete("a/0");

    // Then a/1 takes it, and c/0 does not start beyond the run's limit
    assertThat(started.keySet()).containsExactly("a/0", "b/0", "a/1");
    complete("b/0");
    assertThat(started.keySet()).containsExactly("a/0", "b/0", "a/1", "c/0");
    complete("a/1");
    complete("c/0");
    assertThat(run).isCompleted();
  }

  @Test
  void runOnEach_perKeyRate_otherKeysDoNotWaitForTheRate() {
    // Given 1 request per second per host, and instant tasks
    KeyedLimiter<String> perHost = perHost(LimiterConfig.builder().maxPerSecond(1));
    Map<String, Long> startedAt = new LinkedHashMap<>();
    AsyncTask<String, String> fetch = url -> {
      startedAt.put(url, time.read());
      return CompletableFuture.completedFuture(url);
    };

    // When two pages each of a and b, then one of c
    CompletableFuture<Void> run = Meter.with(options(perHost).build())
        .runOnEach(List.of("a/0", "a/1", "b/0", "b/1", "c/0"), fetch);

    // Then the first page of every host starts at once, the second of each one second later
    assertThat(startedAt.keySet()).containsExactly("a/0", "b/0", "c/0");
    time.advance(Duration.ofSeconds(1));
    assertThat(run).isCompleted();
    assertThat(startedAt).containsEntry("a/1", 1_000_000_000L).containsEntry("b/1", 1_000_000_000L);
  }

  @Test
  void runOnEach_sharedLimitRefusesAnItemHeldAside_itStillGoesBeforeNewerItems() {
    // Given one at a time per host, and two at a time in all through a shared limiter
    KeyedLimiter<String> perHost = perHost(LimiterConfig.builder().maxAtOnce(1));
    SharedLimiter inAll = Meter.limiter(LimiterConfig.builder().maxAtOnce(2).build());
    RunOptions options = options(perHost).limiter(inAll).build();

    // When a/1 waits aside for host a and c/0 waits for the shared limit
    CompletableFuture<Void> run = Meter.with(options).runOnEach(List.of("a/0", "a/1", "b/0", "c/0"), held);
    assertThat(started.keySet()).containsExactly("a/0", "b/0");

    // Then the first free place goes to a/1, which waited longest, and the next to c/0
    complete("a/0");
    assertThat(started.keySet()).containsExactly("a/0", "b/0", "a/1");
    complete("b/0");
    assertThat(started.keySet()).containsExactly("a/0", "b/0", "a/1", "c/0");
    complete("a/1");
    complete("c/0");
    assertThat(run).isCompleted();
    assertThat(inAll.stats().running()).isZero();
  }

  @Test
  void amapOrdered_startsOutOfOrder_resultsStillInInputOrder() {
    // Given a buffer of 2 results, 2 tasks at a time, and host a busy with a/0
    KeyedLimiter<String> perHost = perHost(LimiterConfig.builder().maxAtOnce(1));
    RunOptions options = options(perHost).maxAtOnce(2).bufferSize(2).build();
    List<String> urls = List.of("a/0", "a/1", "b/0", "c/0", "d/0", "e/0");

    try (Amap<String> pages = Meter.with(options).amapOrdered(urls, held)) {
      var results = pages.iterator();
      // When later hosts finish first and fill the buffer behind a/0 and a/1
      assertThat(started.keySet()).containsExactly("a/0", "b/0");
      complete("b/0");
      assertThat(started.keySet()).containsExactly("a/0", "b/0", "c/0");
      complete("c/0");
      assertThat(started.keySet()).as("the buffer is full: nothing new is pulled").hasSize(3);

      // Then a/1, held aside and ahead of them in input order, still starts when host a frees up
      complete("a/0");
      assertThat(started.keySet()).contains("a/1");
      complete("a/1");
      List<String> seen = new ArrayList<>();
      while (seen.size() < 4) {
        seen.add(results.next());
      }
      assertThat(started.keySet()).containsExactly("a/0", "b/0", "c/0", "a/1", "d/0", "e/0");
      complete("d/0");
      complete("e/0");
      results.forEachRemaining(seen::add);
      assertThat(seen).containsExactly("A/0", "A/1", "B/0", "C/0", "D/0", "E/0");
    }
  }

  @Test
  void cancel_itemsHeldAside_droppedUnstartedAndNoPermitLeft() {
    // Given a/1 and a/2 waiting aside for host a
    KeyedLimiter<String> perHost = perHost(LimiterConfig.builder().maxAtOnce(1));
    List<String> events = new ArrayList<>();
    MeterListener listener = new MeterListener() {
      @Override
      public void onStarted(TaskEvent event) {
        events.add("started " + event.item());
      }

      @Override
      public void onCancelled(TaskEvent event) {
        events.add((event.started() ? "cancelled " : "dropped ") + event.item() + " #" + event.index());
      }
    };
    CompletableFuture<Void> run = Meter.with(options(perHost).listener(listener).build())
        .runOnEach(List.of("a/0", "a/1", "a/2", "b/0"), held);

    // When the run is cancelled
    run.cancel(true);

    // Then the waiting items are dropped unstarted, with their input positions, and the running ones cancelled
    assertThat(events).startsWith("started a/0", "started b/0", "dropped a/1 #1", "dropped a/2 #2")
        .containsOnlyOnce("cancelled a/0 #0", "cancelled b/0 #3").hasSize(6);
    assertThat(perHost.stats().running()).isZero();
    assertThat(perHost.stats().waiting()).isZero();
    // And host a is free for the next run at once
    CompletableFuture<Void> next = Meter.with(options(perHost).build()).runOnEach(List.of("a/9"), held);
    assertThat(started).containsKey("a/9");
    complete("a/9");
    assertThat(next).isCompleted();
  }
}
