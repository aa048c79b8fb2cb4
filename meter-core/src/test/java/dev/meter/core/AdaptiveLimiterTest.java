package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.AdaptiveLimiter;
import dev.meter.api.AsyncTask;
import dev.meter.api.FailurePolicy;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.OverloadedException;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The adaptive limiter against a simulated service, in virtual time: a service that takes so many
 * requests per second (a GCRA of its own, burst 1) and refuses the rest at once with an
 * {@link OverloadedException}, as a 429 would.
 */
class AdaptiveLimiterTest {

  /** A service that admits {@code capacity} requests per second, answering after 50 ms. */
  static final class SimulatedService {
    private final VirtualTime time;
    private double capacity;
    private long theoreticalArrival;
    final List<long[]> answers = new CopyOnWriteArrayList<>();  // {start nanos, 1 if served}

    SimulatedService(VirtualTime time, double capacity) {
      this.time = time;
      this.capacity = capacity;
      this.theoreticalArrival = time.read();
    }

    synchronized void setCapacity(double perSecond) {
      capacity = perSecond;
    }

    CompletableFuture<Integer> call(int item) {
      long now = time.read();
      boolean served;
      synchronized (this) {
        served = now - theoreticalArrival >= 0;
        if (served) {
          theoreticalArrival = Math.max(theoreticalArrival, now) + (long) (1e9 / capacity);
        }
      }
      answers.add(new long[] {now, served ? 1 : 0});
      if (!served) {
        return CompletableFuture.failedFuture(new OverloadedException("429 for " + item));
      }
      return time.delay(Duration.ofMillis(50), item);
    }

    /** Served requests per second, and the share refused, among those started in [fromSecond, toSecond). */
    double[] servedPerSecondAndRefusedShare(long startNanos, int fromSecond, int toSecond) {
      long from = startNanos + fromSecond * 1_000_000_000L;
      long to = startNanos + toSecond * 1_000_000_000L;
      long served = 0;
      long all = 0;
      for (long[] answer : answers) {
        if (answer[0] - from >= 0 && answer[0] - to < 0) {
          all++;
          served += answer[1];
        }
      }
      return new double[] {served / (double) (toSecond - fromSecond), all == 0 ? 0 : (all - served) / (double) all};
    }
  }

  private static CompletableFuture<Void> run(VirtualTime time, AdaptiveLimiter limiter, int items, AsyncTask<Integer, Integer> task) {
    RunOptions options = RunOptions.builder().limiter(limiter).timeSource(time).failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).build();
    return Meter.with(options).runOnEach(IntStream.range(0, items).boxed().toList(), task);
  }

  @Test
  void rate_serviceBelowTheStartingRate_convergesWithin10PercentOfItsCapacity() {
    // Given a service that takes 20 requests a second, and a limiter that starts at 40 (its ceiling)
    VirtualTime time = VirtualTime.create();
    SimulatedService service = new SimulatedService(time, 20);
    List<AdaptiveLimiter.Change> changes = new CopyOnWriteArrayList<>();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
            LimiterConfig.builder().maxPerSecond(40).timeSource(time).build())
        .minPerSecond(1).onChange(changes::add).build());

    // When 2,400 requests go through it (about two minutes)
    long start = time.read();
    CompletableFuture<Void> run = run(time, limiter, 2_400, service::call);
    time.advance(Duration.ofMinutes(10));

    // Then after the first 30 s the service is served at 90% of its capacity or more, with at most 5%
    // of the requests refused, and the rate in force never went above the ceiling
    assertThat(run).isDone();
    double[] settled = service.servedPerSecondAndRefusedShare(start, 30, 100);
    System.out.printf(java.util.Locale.ROOT, "20/s service: %.1f served/s, %.1f%% refused%n", settled[0], 100 * settled[1]);
    assertThat(settled[0]).as("served per second").isBetween(18.0, 20.0);
    assertThat(settled[1]).as("share refused").isLessThanOrEqualTo(0.05);
    assertThat(changes).isNotEmpty().allSatisfy(change -> assertThat(change.after().rate().perSecond()).isLessThanOrEqualTo(40));
    assertThat(changes).anySatisfy(change -> assertThat(change.cause()).isEqualTo(AdaptiveLimiter.Cause.OVERLOAD));
  }

  @Test
  void rate_serviceCapacityRisesThenFalls_followsIt() {
    // Given a service at 20 requests a second and a limiter between 1 and 100 per second
    VirtualTime time = VirtualTime.create();
    SimulatedService service = new SimulatedService(time, 20);
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
            LimiterConfig.builder().maxPerSecond(20).timeSource(time).build())
        .minPerSecond(1).maxPerSecond(100).build());
    long start = time.read();
    CompletableFuture<Void> run = run(time, limiter, 1_000_000, service::call);

    // When its capacity rises to 40 after 60 s, and falls to 10 after 180 s
    time.advance(Duration.ofSeconds(60));
    service.setCapacity(40);
    time.advance(Duration.ofSeconds(120));
    service.setCapacity(10);
    time.advance(Duration.ofSeconds(120));
    run.cancel(true);

    // Then it is served within 10% of each capacity once the limiter has followed it
    System.out.printf(java.util.Locale.ROOT, "following: %.1f/s at 20, %.1f/s at 40, %.1f/s at 10 (%.1f%% refused)%n",
        service.servedPerSecondAndRefusedShare(start, 30, 60)[0], service.servedPerSecondAndRefusedShare(start, 120, 180)[0],
        service.servedPerSecondAndRefusedShare(start, 210, 300)[0], 100 * service.servedPerSecondAndRefusedShare(start, 210, 300)[1]);
    assertThat(service.servedPerSecondAndRefusedShare(start, 30, 60)[0]).isBetween(18.0, 20.0);
    assertThat(service.servedPerSecondAndRefusedShare(start, 120, 180)[0]).isBetween(36.0, 40.0);
    assertThat(service.servedPerSecondAndRefusedShare(start, 210, 300)[0]).isBetween(9.0, 10.0);
    assertThat(service.servedPerSecondAndRefusedShare(start, 210, 300)[1]).isLessThanOrEqualTo(0.05);
  }

  @Test
  void rate_serviceThatNeverRefuses_risesToTheCeilingAndNoFurther() {
    // Given a limiter from 10 to 50 per second in front of a service that takes 1,000
    VirtualTime time = VirtualTime.create();
    SimulatedService service = new SimulatedService(time, 1_000);
    List<AdaptiveLimiter.Change> changes = new CopyOnWriteArrayList<>();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
            LimiterConfig.builder().maxPerSecond(10).timeSource(time).build())
        .maxPerSecond(50).onChange(changes::add).build());

    // When it runs for long enough to climb
    CompletableFuture<Void> run = run(time, limiter, 1_000_000, service::call);
    time.advance(Duration.ofSeconds(300));
    run.cancel(true);

    // Then it reached 50 per second and never went above it
    assertThat(limiter.limits().rate()).isEqualTo(Rate.perSecond(50));
    assertThat(changes).allSatisfy(change -> assertThat(change.after().rate().perSecond()).isLessThanOrEqualTo(50));
  }

  @Test
  void release_refusalsOfOneBurst_lowerByTheRatioThenToTheShareTaken_notOnceEach() {
    // Given a limiter of 10 at once and 100 per second whose tasks, started together, are all refused
    VirtualTime time = VirtualTime.create();
    List<AdaptiveLimiter.Change> changes = new CopyOnWriteArrayList<>();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
            LimiterConfig.builder().maxAtOnce(10).maxPerSecond(100).maxBurst(10).timeSource(time).build())
        .onChange(changes::add).build());
    AsyncTask<Integer, Integer> refused = i -> time.delay(Duration.ofMillis(10), i)
        .thenApply(done -> { throw new OverloadedException("503"); });

    // When the first ten start in one burst and are refused
    CompletableFuture<Void> run = run(time, limiter, 10, refused);
    time.advance(Duration.ofSeconds(1));

    // Then the first refusal lowered the limits by the backoff ratio (the burst too), and the burst's
    // outcomes, none taken, to the deepest share cut, half; not ten times
    assertThat(run).isCompletedExceptionally();
    assertThat(changes).extracting(AdaptiveLimiter.Change::after)
        .containsExactly(Limits.of(9, Rate.perSecond(90), 9), Limits.of(5, Rate.perSecond(50), 5));
    assertThat(changes).extracting(AdaptiveLimiter.Change::cause)
        .containsOnly(AdaptiveLimiter.Cause.OVERLOAD);
  }

  @Test
  void rate_callerSlowerThanTheLimit_doesNotClimbOnItsSuccesses() {
    // Given a limiter at 10 per second (ceiling 100) and a caller that runs one task at a time, each
    // taking a second: its starts never wait for the limiter
    VirtualTime time = VirtualTime.create();
    List<AdaptiveLimiter.Change> changes = new CopyOnWriteArrayList<>();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
            LimiterConfig.builder().maxAtOnce(2).maxPerSecond(10).timeSource(time).build())
        .maxPerSecond(100).maxAtOnce(20).recoverySuccesses(5).onChange(changes::add).build());
    RunOptions oneAtATime = RunOptions.builder().maxAtOnce(1).limiter(limiter).timeSource(time).build();

    // When 300 such tasks succeed
    CompletableFuture<Void> run = Meter.with(oneAtATime).runOnEach(IntStream.range(0, 300).boxed().toList(),
        i -> time.delay(Duration.ofSeconds(1), i));
    time.advance(Duration.ofMinutes(6));

    // Then the limits stayed where they were: nothing showed they could go higher
    assertThat(run).isCompleted();
    assertThat(changes).isEmpty();
    assertThat(limiter.limits()).isEqualTo(Limits.of(2, Rate.perSecond(10), 1));
  }

  @Test
  void release_refusalWithRetryAfter_resumesAtTheRateWithoutABurst() {
    // Given a limiter of 10 per second with bursts of 5, whose first task is refused with "retry after 2 s"
    VirtualTime time = VirtualTime.create();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
        LimiterConfig.builder().maxPerSecond(10).maxBurst(5).timeSource(time).build()).build());
    List<Long> startedAt = new CopyOnWriteArrayList<>();
    AsyncTask<Integer, Integer> task = i -> {
      startedAt.add(time.read());
      return i == 0 ? CompletableFuture.failedFuture(new OverloadedException("429", Duration.ofSeconds(2)))
          : CompletableFuture.completedFuture(i);
    };

    // When six more wait behind it
    CompletableFuture<Void> run = run(time, limiter, 7, task);
    time.advance(Duration.ofSeconds(10));

    // Then after the pause they start at the (lowered) rate, one at a time: the burst that built up
    // during the pause does not all arrive at once, as the service would refuse it again
    assertThat(run).isDone();
    assertThat(startedAt).hasSize(7);
    assertThat(startedAt.get(1)).isGreaterThanOrEqualTo(Duration.ofSeconds(2).toNanos());
    for (int i = 2; i < 7; i++) {
      assertThat(startedAt.get(i) - startedAt.get(i - 1)).as("gap before start %d", i)
          .isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
    }
  }

  @Test
  void release_refusalNamingTheLimitExceeded_lowersThatOneAlone() {
    // Given a limiter of 10 at once and 100 per second, bursts of 10
    VirtualTime time = VirtualTime.create();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
        LimiterConfig.builder().maxAtOnce(10).maxPerSecond(100).maxBurst(10).timeSource(time).build()).build());

    // When a task is refused for the rate (a 429), and later one for the tasks at once (a 503)
    run(time, limiter, 1, i -> CompletableFuture.failedFuture(
        new OverloadedException("429", null, OverloadedException.Exceeded.RATE)));
    time.advance(Duration.ofSeconds(1));
    Limits afterRate = limiter.limits();
    run(time, limiter, 1, i -> CompletableFuture.failedFuture(
        new OverloadedException("503", null, OverloadedException.Exceeded.AT_ONCE)));
    time.advance(Duration.ofSeconds(1));

    // Then the first lowered the rate and its burst only, the second maxAtOnce only
    assertThat(afterRate).isEqualTo(Limits.of(10, Rate.perSecond(90), 9));
    assertThat(limiter.limits()).isEqualTo(Limits.of(9, Rate.perSecond(90), 9));
  }

  @Test
  void release_refusalWithRetryAfter_pausesTheLimiter() {
    // Given a limiter whose first task is refused with "retry after 5 s"
    VirtualTime time = VirtualTime.create();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
        LimiterConfig.builder().maxAtOnce(1).timeSource(time).build()).build());
    List<Long> startedAt = new CopyOnWriteArrayList<>();
    AsyncTask<Integer, Integer> task = i -> {
      startedAt.add(time.read());
      return i == 0 ? CompletableFuture.failedFuture(new OverloadedException("429", Duration.ofSeconds(5)))
          : CompletableFuture.completedFuture(i);
    };

    // When three tasks run through it one at a time
    CompletableFuture<Void> run = run(time, limiter, 3, task);
    time.advance(Duration.ofSeconds(10));

    // Then the second starts only when the 5 s are over
    assertThat(run).isDone();
    assertThat(startedAt).hasSize(3);
    assertThat(startedAt.get(1) - startedAt.get(0)).isGreaterThanOrEqualTo(Duration.ofSeconds(5).toNanos());
  }

  @Test
  void maxAtOnce_timeouts_lowerItAndSuccessesRaiseItBackToTheCeiling() {
    // Given a limiter of 8 at once whose tasks time out while the service is slow, then succeed
    VirtualTime time = VirtualTime.create();
    List<Integer> limitsSeen = new ArrayList<>();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
            LimiterConfig.builder().maxAtOnce(8).timeSource(time).build())
        .onChange(change -> limitsSeen.add(change.after().maxAtOnce())).build());
    long slowUntil = time.read() + Duration.ofSeconds(5).toNanos();
    AsyncTask<Integer, Integer> task = i -> time.delay(time.read() - slowUntil < 0 ? Duration.ofSeconds(3) : Duration.ofMillis(10), i);
    RunOptions options = RunOptions.builder().limiter(limiter).timeSource(time).taskTimeout(Duration.ofSeconds(1))
        .failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).build();

    // When 2,000 tasks run
    CompletableFuture<Void> run = Meter.with(options).runOnEach(IntStream.range(0, 2_000).boxed().toList(), task);
    time.advance(Duration.ofMinutes(5));

    // Then the timeouts brought it down, the successes back up to 8, never above
    assertThat(run).isDone();
    assertThat(limitsSeen).contains(7).allSatisfy(limit -> assertThat(limit).isBetween(1, 8));
    assertThat(limiter.limits().maxAtOnce()).isEqualTo(8);
  }

  @Test
  void config_badValues_throwNamingThem() {
    LimiterConfig rate40 = LimiterConfig.builder().maxPerSecond(40).build();
    assertThatThrownBy(() -> AdaptiveConfig.builder(rate40).backoffRatio(1)).hasMessage("backoffRatio must be > 0 and < 1, but was 1.0");
    assertThatThrownBy(() -> AdaptiveConfig.builder(rate40).minPerSecond(0)).hasMessage("minPerSecond must be a finite number > 0, but was 0.0");
    assertThatThrownBy(() -> AdaptiveConfig.builder(rate40).minAtOnce(0)).hasMessage("minAtOnce must be >= 1, but was 0");
    assertThatThrownBy(() -> AdaptiveConfig.builder(rate40).maxPerSecond(30).build())
        .hasMessage("the starting rate must be within minPerSecond and maxPerSecond, but was 40.0 per second, outside [0.3, 30.0]");
    assertThatThrownBy(() -> AdaptiveConfig.builder(rate40).maxAtOnce(5).build())
        .hasMessage("minAtOnce and maxAtOnce need a starting maxAtOnce, but the limiter has none");
    assertThatThrownBy(() -> AdaptiveConfig.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("start");
    assertThatThrownBy(() -> new OverloadedException("429", Duration.ofSeconds(-1))).hasMessage("retryAfter must be >= 0, but was PT-1S");
  }

  /** A service with {@code slots} workers that queues what it cannot take (FIFO), each request 100 ms of work. */
  static final class QueueingService {
    private final VirtualTime time;
    private final long[] freeAt;
    final List<long[]> answers = new CopyOnWriteArrayList<>();  // {start nanos, latency nanos}

    QueueingService(VirtualTime time, int slots) {
      this.time = time;
      this.freeAt = new long[slots];
      java.util.Arrays.fill(freeAt, time.read());
    }

    CompletableFuture<Integer> call(int item) {
      long now = time.read();
      long done;
      synchronized (this) {
        int first = 0;
        for (int i = 1; i < freeAt.length; i++) {
          if (freeAt[i] - freeAt[first] < 0) {
            first = i;
          }
        }
        done = Math.max(now, freeAt[first]) + Duration.ofMillis(100).toNanos();
        freeAt[first] = done;
      }
      answers.add(new long[] {now, done - now});
      return time.delay(Duration.ofNanos(done - now), item);
    }

    /** The mean latency in ms, and the tasks per second, of the answers from the {@code from}-th on. */
    double[] meanLatencyMillisAndPerSecond(int from) {
      List<long[]> later = answers.subList(from, answers.size());
      double mean = later.stream().mapToLong(answer -> answer[1]).average().orElseThrow() / 1e6;
      double seconds = (later.get(later.size() - 1)[0] - later.get(0)[0]) / 1e9;
      return new double[] {mean, later.size() / seconds};
    }
  }

  @Test
  void latencyBased_serviceThatQueues_keepsItsConcurrencyNearTheServicesOwn() {
    // Given a service of 10 workers (100 requests a second at 100 ms each) that queues the rest without
    // refusing, and a limiter that starts at 100 at once, following latency
    VirtualTime time = VirtualTime.create();
    QueueingService service = new QueueingService(time, 10);
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
        LimiterConfig.builder().maxAtOnce(100).timeSource(time).build()).latencyBased().build());

    // When 6,000 requests go through it
    CompletableFuture<Void> run = run(time, limiter, 6_000, service::call);
    time.advance(Duration.ofMinutes(10));

    // Then, once it has found the service, requests wait little (100 at once would wait 900 ms each)
    // and the service stays busy
    assertThat(run).isCompleted();
    double[] settled = service.meanLatencyMillisAndPerSecond(3_000);
    assertThat(settled[0]).as("mean latency, ms").isLessThanOrEqualTo(200);
    assertThat(settled[1]).as("requests per second").isGreaterThanOrEqualTo(90);
    assertThat(limiter.limits().maxAtOnce()).isBetween(10, 30);
  }

  @Test
  void latencyBased_withoutAStartingMaxAtOnce_isRejected() {
    assertThatThrownBy(() -> AdaptiveConfig.builder(LimiterConfig.builder().maxPerSecond(5).build()).latencyBased().build())
        .hasMessage("latencyBased needs a starting maxAtOnce, but the limiter has none");
  }

  @Test
  void sharedByRuns_randomRefusalsAndSuccesses_neverAboveTheCeilingAndBooksBalance() throws Exception {
    // Given one adaptive limiter of up to 8 at once, shared by four runs on their own threads, whose
    // tasks end on a pool after a random moment, a fifth of them refused
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
        LimiterConfig.builder().maxAtOnce(8).build()).recoverySuccesses(5).build());
    java.util.concurrent.ScheduledExecutorService pool = java.util.concurrent.Executors.newScheduledThreadPool(3);
    java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger leastLimit = new java.util.concurrent.atomic.AtomicInteger(8);
    AsyncTask<Integer, Integer> task = i -> {
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      leastLimit.accumulateAndGet(limiter.limits().maxAtOnce(), Math::min);
      CompletableFuture<Integer> done = new CompletableFuture<>();
      pool.schedule(() -> {
        running.decrementAndGet();
        if (i % 5 == 0) {
          done.completeExceptionally(new OverloadedException("503"));
        } else {
          done.complete(i);
        }
      }, java.util.concurrent.ThreadLocalRandom.current().nextInt(200), java.util.concurrent.TimeUnit.MICROSECONDS);
      return done;
    };
    RunOptions options = RunOptions.builder().limiter(limiter).failurePolicy(FailurePolicy.RUN_ALL_THEN_THROW).build();

    // When each runs 2,000 tasks through it at once
    try {
      List<CompletableFuture<Void>> runs = IntStream.range(0, 4)
          .mapToObj(r -> Meter.with(options).runOnEach(IntStream.range(0, 2_000).boxed().toList(), task)).toList();
      for (CompletableFuture<Void> run : runs) {
        assertThatThrownBy(run::get).hasCauseInstanceOf(dev.meter.api.TasksFailedException.class);
      }
    } finally {
      pool.shutdown();
    }

    // Then never more than 8 ran at once, the refusals brought the limit down, and every permit came back
    assertThat(most.get()).isLessThanOrEqualTo(8);
    assertThat(leastLimit.get()).isLessThan(8);
    assertThat(((DefaultAdaptiveLimiter) limiter).running()).isZero();
    assertThat(limiter.limits().maxAtOnce()).isBetween(1, 8);
  }

  /**
   * A service as the crawl's embedded server is: a rate with a burst (GCRA) answered with 429 and a
   * Retry-After in whole seconds (at least 1) when exceeded, a cap on requests in flight answered with
   * 503 and Retry-After 1, and a latency of 5 to 30 ms per served request.
   */
  static final class ApiThatAsksToWait {
    private final VirtualTime time;
    private final long interval;
    private final long tolerance;
    private final int maxInFlight;
    private long theoreticalArrival;
    private int inFlight;
    final List<long[]> answers = new CopyOnWriteArrayList<>();  // {start nanos, 1 if served}

    ApiThatAsksToWait(VirtualTime time, double perSecond, int burst, int maxInFlight) {
      this.time = time;
      this.interval = (long) (1e9 / perSecond);
      this.tolerance = (burst - 1) * interval;
      this.maxInFlight = maxInFlight;
      this.theoreticalArrival = time.read();
    }

    CompletableFuture<Integer> call(int item) {
      long now = time.read();
      long waitNanos;
      synchronized (this) {
        if (inFlight >= maxInFlight) {
          waitNanos = -1;
        } else {
          waitNanos = Math.max(0, theoreticalArrival - tolerance - now);
          if (waitNanos == 0) {
            theoreticalArrival = Math.max(theoreticalArrival, now) + interval;
            inFlight++;
          }
        }
      }
      answers.add(new long[] {now, waitNanos == 0 ? 1 : 0});
      if (waitNanos != 0) {
        long seconds = waitNanos < 0 ? 1 : Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        return time.delay(Duration.ofMillis(1)).thenApply(nothing -> {
          throw new OverloadedException((waitNanos < 0 ? "503" : "429") + " for " + item, Duration.ofSeconds(seconds),
              waitNanos < 0 ? OverloadedException.Exceeded.AT_ONCE : OverloadedException.Exceeded.RATE);
        });
      }
      return time.delay(Duration.ofMillis(5 + (item * 7L) % 26), item).whenComplete((done, failure) -> {
        synchronized (this) {
          inFlight--;
        }
      });
    }

    /** Served requests per second, and the share refused, among those started in [from, to) seconds. */
    double[] servedPerSecondAndRefusedShare(long startNanos, double from, double to) {
      long served = 0;
      long all = 0;
      for (long[] answer : answers) {
        double at = (answer[0] - startNanos) / 1e9;
        if (at >= from && at < to) {
          all++;
          served += answer[1];
        }
      }
      return new double[] {served / (to - from), all == 0 ? 0 : (all - served) / (double) all};
    }
  }

  @Test
  void limits_farAboveAServiceThatAsksToWait_comeDownToItAndRetriesFetchEverything() {
    // Given the crawl's server (25/s, bursts of 10, 8 in flight, 429/503 with Retry-After) and a client
    // limiter starting well above it (16 at once, 80/s, bursts of 20), with retries of refused requests
    VirtualTime time = VirtualTime.create();
    ApiThatAsksToWait api = new ApiThatAsksToWait(time, 25, 10, 8);
    List<Object[]> curve = new CopyOnWriteArrayList<>();  // {seconds, limits after}
    long start = time.read();
    AdaptiveLimiter limiter = Meter.adaptiveLimiter(AdaptiveConfig.builder(
            LimiterConfig.builder().maxAtOnce(16).maxPerSecond(80).maxBurst(20).timeSource(time).build())
        .minPerSecond(1)
        .onChange(change -> curve.add(new Object[] {(time.read() - start) / 1e9, change.after()}))
        .build());
    RunOptions options = RunOptions.builder().limiter(limiter).timeSource(time)
        .retry(dev.meter.api.RetryPolicy.builder().maxAttempts(20).retryOn(failure -> failure instanceof OverloadedException).build())
        .build();

    // When 3,000 requests go through it (two minutes at the server's rate)
    CompletableFuture<Void> run = Meter.with(options).runOnEach(IntStream.range(0, 3_000).boxed().toList(), api::call);
    time.advance(Duration.ofMinutes(10));

    // Then every request was served in the end; once the limiter has found the server (from 20 s on)
    // it is served at 90% of its rate or more, and at most 5% of all requests were refused
    assertThat(run).isCompleted();
    run.join();
    long end = api.answers.stream().mapToLong(answer -> answer[0]).max().orElseThrow();
    double[] settled = api.servedPerSecondAndRefusedShare(start, 20, (end - start) / 1e9);
    double[] all = api.servedPerSecondAndRefusedShare(start, 0, (end - start) / 1e9 + 1);
    System.out.printf(java.util.Locale.ROOT, "crawl-like service: from 20 s on %.1f served/s (%.1f%% refused); overall %.1f%% refused,"
        + " %d requests, %.1f s; the limits in force:%n", settled[0], 100 * settled[1], 100 * all[1], api.answers.size(), (end - start) / 1e9);
    for (double second : new double[] {0, 0.005, 0.5, 1.5, 2.5, 5, 10, 15, 20, 30, 60, 90, 120}) {
      Limits inForce = Limits.of(16, Rate.perSecond(80), 20);
      for (Object[] point : curve) {
        if ((double) point[0] <= second) {
          inForce = (Limits) point[1];
        }
      }
      System.out.printf(java.util.Locale.ROOT, "  %6.3f s  %5.1f/s  %2d at once  bursts of %2d%n", second,
          inForce.rate().perSecond(), inForce.maxAtOnce(), inForce.maxBurst());
    }
    assertThat(settled[0]).as("served per second from 20 s on").isGreaterThanOrEqualTo(22.5);
    assertThat(all[1]).as("share refused").isLessThanOrEqualTo(0.05);
  }
}
