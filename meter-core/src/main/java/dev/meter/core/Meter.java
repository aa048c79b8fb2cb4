package dev.meter.core;

import dev.meter.api.Amap;
import dev.meter.api.AdaptiveConfig;
import dev.meter.api.AdaptiveLimiter;
import dev.meter.api.AsyncCall;
import dev.meter.api.AsyncTask;
import dev.meter.api.BlockingCall;
import dev.meter.api.BlockingTask;
import dev.meter.api.ItemResult;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.Limits;
import dev.meter.api.Outcome;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.Runner;
import dev.meter.api.SharedLimiter;
import dev.meter.api.Source;
import dev.meter.api.TimeSource;
import dev.meter.api.internal.TaskCounters;
import dev.meter.api.spi.Limiter;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * meter's entry class: run many tasks concurrently under limits. The static methods make runners,
 * limiters and blocking tasks; a {@code Meter} is the {@link Runner} they return, with the varargs
 * forms of {@code runAll}, {@code runAllOutcomes} and {@code runAny} besides the list forms.
 *
 * <pre>{@code
 * Meter meter = Meter.with(Limits.of(5, Rate.perSecond(10), 3));  // 5 at once, 10/s in bursts of 3
 *
 * List<String> pages = meter.runAll(() -> fetch("a"), () -> fetch("b")).join(); // every result, in order
 * try (Amap<String> done = meter.amap(urls, url -> fetch(url))) {   // results as they finish
 *   for (String page : done) { ... }
 * }
 * meter.runOnEach(rows, row -> write(row)).join();                  // just do them all
 * String fastest = meter.runAny(mirrors).join();                    // first success, rest cancelled
 * }</pre>
 *
 * <p>Tasks are asynchronous ({@link AsyncTask}, returning a {@link CompletionStage} of the result or of
 * any subtype); blocking code is wrapped with {@link #blocking(BlockingTask)} and then runs on the run's
 * executor.
 */
public final class Meter implements Runner {
  private final MeterRunner runner;

  private Meter(RunOptions options) {
    this.runner = new MeterRunner(options);
  }

  /**
   * A runner whose every run uses {@code options}.
   *
   * @throws NullPointerException if {@code options} is null
   */
  public static Meter with(RunOptions options) {
    return new Meter(Objects.requireNonNull(options, "options"));
  }

  /**
   * A runner whose every run has these limits and otherwise {@link RunOptions#defaults()}: the one-line
   * form, {@code Meter.with(Limits.of(5)).runOnEach(items, this::process)}.
   *
   * @throws NullPointerException if {@code limits} is null
   */
  public static Meter with(Limits limits) {
    Objects.requireNonNull(limits, "limits");
    return new Meter(RunOptions.builder().limits(limits).build());
  }

  /**
   * A limiter to share between runs, threads and languages: its limits hold for all of them together,
   * and can be changed or paused while in use. Add it to runs with
   * {@link RunOptions.Builder#limiter(dev.meter.api.spi.Limiter)}.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static SharedLimiter limiter(LimiterConfig config) {
    return new DefaultSharedLimiter(Objects.requireNonNull(config, "config"));
  }

  /**
   * A shared limiter with these limits and nothing else configured:
   * {@code Meter.limiter(Limits.of(Rate.perSecond(10)))}. See {@link #limiter(LimiterConfig)}.
   *
   * @throws NullPointerException if {@code limits} is null
   */
  public static SharedLimiter limiter(Limits limits) {
    Objects.requireNonNull(limits, "limits");
    return limiter(LimiterConfig.builder().limits(limits).build());
  }

  /**
   * A shared limiter whose limits follow the service behind it: lower on each refusal for load, higher
   * again after successes, within the floors and ceilings of {@code config}. See {@link AdaptiveLimiter}.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static AdaptiveLimiter adaptiveLimiter(AdaptiveConfig config) {
    return new DefaultAdaptiveLimiter(Objects.requireNonNull(config, "config"));
  }

  /**
   * A rate in units, each start costing its item's {@code cost}: the tokens of a request against the
   * tokens per minute a service allows, say, beside a limiter of requests per minute. {@code config}
   * gives the units' rate, the burst in units and the clock; in every window of length {@code w} the
   * costs of the starts add up to at most {@code maxBurst + ceil(w * rate)} units. An item costing
   * less than one unit or more than the burst fails the run before its task starts, naming its cost.
   *
   * <pre>{@code
   * Limiter tokens = Meter.costLimiter(LimiterConfig.builder()
   *     .rate(90_000, Duration.ofMinutes(1)).maxBurst(20_000).build(), (Prompt p) -> p.tokens());
   * }</pre>
   *
   * @throws NullPointerException if {@code config} or {@code cost} is null
   * @throws IllegalArgumentException if {@code config} has no rate, or has a {@code maxAtOnce}
   */
  @SuppressWarnings("unchecked")
  public static <T> Limiter costLimiter(LimiterConfig config, ToLongFunction<? super T> cost) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(cost, "cost");
    Limits limits = config.limits();
    Rate rate = limits.rate();
    if (rate == null) {
      throw new IllegalArgumentException("a cost limiter needs a rate in units, but config has none");
    }
    if (limits.maxAtOnce() != Limits.UNLIMITED) {
      throw new IllegalArgumentException("a cost limiter takes a rate and a burst only, but config has maxAtOnce "
          + limits.maxAtOnce());
    }
    TimeSource time = Objects.requireNonNullElseGet(config.timeSource(), Defaults::timeSource);
    return new CostLimiter(config.name(), rate, limits.maxBurst(), (ToLongFunction<Object>) cost, time);
  }

  /**
   * One limiter per key, each with the limits of {@code config}, created on first use and forgotten
   * when idle. A run uses it through {@link KeyedLimiter#by(java.util.function.Function)}.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static <K> KeyedLimiter<K> keyedLimiter(LimiterConfig config) {
    return new DefaultKeyedLimiter<>(Objects.requireNonNull(config, "config"));
  }

  /**
   * One limiter per key, each with these limits; see {@link #keyedLimiter(LimiterConfig)}.
   *
   * @throws NullPointerException if {@code limits} is null
   */
  public static <K> KeyedLimiter<K> keyedLimiter(Limits limits) {
    Objects.requireNonNull(limits, "limits");
    return keyedLimiter(LimiterConfig.builder().limits(limits).build());
  }

  /**
   * One adaptive limiter per key (per host, per tenant), each starting from {@code config}'s limits
   * and adapting on its own to what its key's service answers; a run uses it through
   * {@link KeyedLimiter#by(java.util.function.Function)}, and {@link KeyedLimiter#limits(Object)} tells
   * a key's limits in force. An idle key whose limits are back where they started is forgotten; one
   * whose limits were lowered is remembered for {@link AdaptiveConfig#forgetAfter()} of idleness.
   * {@link AdaptiveConfig#onChange()} hears every key's changes, with the key.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static <K> KeyedLimiter<K> keyedAdaptiveLimiter(AdaptiveConfig config) {
    Objects.requireNonNull(config, "config");
    TaskCounters counters = new TaskCounters();
    return new DefaultKeyedLimiter<>(config.start(), counters, key -> new DefaultAdaptiveLimiter(config, counters, key));
  }

  /** A runner with {@link RunOptions#defaults()}: no limits, fail-fast. */
  public static Meter withDefaults() {
    return new Meter(RunOptions.defaults());
  }

  /**
   * Turns blocking code into a task. A run starts it on its executor ({@link RunOptions#executor()},
   * by default virtual threads on JDK 21+ or a bounded daemon pool) and interrupts it when the run is
   * cancelled or fails fast.
   *
   * @throws NullPointerException if {@code task} is null
   */
  public static <T extends @Nullable Object, R extends @Nullable Object> AsyncTask<T, R> blocking(
      BlockingTask<T, R> task) {
    return new BlockingTaskAdapter<>(Objects.requireNonNull(task, "task"));
  }

  /**
   * Turns a blocking call into an {@link AsyncCall} for {@code runAll} and {@code runAny}; see
   * {@link #blocking(BlockingTask)}.
   *
   * @throws NullPointerException if {@code call} is null
   */
  public static <R extends @Nullable Object> AsyncCall<R> blocking(BlockingCall<R> call) {
    return new BlockingCallAdapter<>(Objects.requireNonNull(call, "call"));
  }

  // ---- the Runner: every run is made by the engine's MeterRunner ----

  @Override
  public RunOptions options() {
    return runner.options();
  }

  @Override
  public <T extends @Nullable Object> CompletableFuture<@Nullable Void> runOnEach(
      Iterable<? extends T> source, AsyncTask<? super T, ?> task) {
    return runner.runOnEach(source, task);
  }

  @Override
  public <T extends @Nullable Object> CompletableFuture<@Nullable Void> runOnEach(
      Source<? extends T> source, AsyncTask<? super T, ?> task) {
    return runner.runOnEach(source, task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amap(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return runner.amap(source, task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amap(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return runner.amap(source, task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amapOrdered(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return runner.amapOrdered(source, task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amapOrdered(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return runner.amapOrdered(source, task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapResults(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return runner.amapResults(source, task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapResults(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return runner.amapResults(source, task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapOrderedResults(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return runner.amapOrderedResults(source, task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapOrderedResults(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return runner.amapOrderedResults(source, task);
  }

  @Override
  public <R extends @Nullable Object> CompletableFuture<List<R>> runAll(
      Iterable<? extends AsyncCall<? extends R>> calls) {
    return runner.runAll(calls);
  }

  @Override
  public <R extends @Nullable Object> CompletableFuture<List<Outcome<R>>> runAllOutcomes(
      Iterable<? extends AsyncCall<? extends R>> calls) {
    return runner.runAllOutcomes(calls);
  }

  @Override
  public <R extends @Nullable Object> CompletableFuture<R> runAny(
      Iterable<? extends AsyncCall<? extends R>> calls) {
    return runner.runAny(calls);
  }

  // ---- varargs forms (here, not in Runner: only a final method may promise safe generic varargs) ----

  /**
   * {@link #runAll(Iterable)} of the calls given: {@code meter.runAll(() -> fetch("a"), () -> fetch("b"))}.
   *
   * @throws NullPointerException if {@code calls} or one of them is null
   */
  @SafeVarargs
  public final <R extends @Nullable Object> CompletableFuture<List<R>> runAll(AsyncCall<? extends R>... calls) {
    return runner.runAll(listOf(calls));
  }

  /** {@link #runAllOutcomes(Iterable)} of the calls given. */
  @SafeVarargs
  public final <R extends @Nullable Object> CompletableFuture<List<Outcome<R>>> runAllOutcomes(
      AsyncCall<? extends R>... calls) {
    return runner.runAllOutcomes(listOf(calls));
  }

  /**
   * {@link #runAny(Iterable)} of the calls given.
   *
   * @throws IllegalArgumentException if no call is given
   */
  @SafeVarargs
  public final <R extends @Nullable Object> CompletableFuture<R> runAny(AsyncCall<? extends R>... calls) {
    return runner.runAny(listOf(calls));
  }

  /** The calls as a list, read once (the array is the caller's; it is not kept). */
  private static <C> List<C> listOf(C[] calls) {
    Objects.requireNonNull(calls, "calls");
    return Arrays.asList(calls.clone());
  }

  @Override
  public String toString() {
    return "Meter.with(" + runner.options() + ")";
  }
}
