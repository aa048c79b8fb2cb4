package dev.meter.core;

import dev.meter.api.Amap;
import dev.meter.api.FailurePolicy;
import dev.meter.api.AsyncCall;
import dev.meter.api.AsyncTask;
import dev.meter.api.ItemResult;
import dev.meter.api.spi.Limiter;
import dev.meter.api.event.MeterListener;
import dev.meter.api.Outcome;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.api.Runner;
import dev.meter.api.Source;
import dev.meter.api.TimeSource;
import dev.meter.api.internal.TaskCounters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * {@link Runner}: checks a call's arguments, then builds one {@link Run} with the sink, ordering and
 * failure mode of the entry point called.
 */
final class MeterRunner implements Runner {
  private final RunOptions options;
  private final TimeSource time;
  private final Executor executor;
  private final Listeners listeners;
  private final TaskCounters[] counters;
  private final long taskTimeoutNanos;

  MeterRunner(RunOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    TimeSource chosenTime = options.timeSource();
    this.time = chosenTime != null ? chosenTime : Defaults.timeSource();
    Executor chosenExecutor = options.executor();
    this.executor = chosenExecutor != null ? chosenExecutor : Defaults.blockingExecutor();
    this.listeners = listeners(options);
    this.counters = counters(options);
    this.taskTimeoutNanos = timeoutNanos(options);
  }

  @Override
  public RunOptions options() {
    return options;
  }

  // ---- runOnEach ----

  @Override
  public <T extends @Nullable Object> CompletableFuture<@Nullable Void> runOnEach(
      Iterable<? extends T> source, AsyncTask<? super T, ?> task) {
    return runOnEach(Source.<T>from(Objects.requireNonNull(source, "source")), task);
  }

  @Override
  public <T extends @Nullable Object> CompletableFuture<@Nullable Void> runOnEach(
      Source<? extends T> source, AsyncTask<? super T, ?> task) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(task, "task");
    RunFuture<@Nullable Void> future = new RunFuture<>();
    Run<T, Object> run = newRun(source, taskLauncher(task), false, Long.MAX_VALUE, FutureSinks.discard(future));
    return started(future, run);
  }

  // ---- amap ----

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amap(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return amap(Source.<T>from(Objects.requireNonNull(source, "source")), task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amap(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return plainAmap(source, task, false);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amapOrdered(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return amapOrdered(Source.<T>from(Objects.requireNonNull(source, "source")), task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<R> amapOrdered(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return plainAmap(source, task, true);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapResults(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return amapResults(Source.<T>from(Objects.requireNonNull(source, "source")), task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapResults(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return resultsAmap(source, task, false);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapOrderedResults(
      Iterable<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return amapOrderedResults(Source.<T>from(Objects.requireNonNull(source, "source")), task);
  }

  @Override
  public <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> amapOrderedResults(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task) {
    return resultsAmap(source, task, true);
  }

  private <T extends @Nullable Object, R extends @Nullable Object> Amap<R> plainAmap(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task, boolean ordered) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(task, "task");
    Run.Launcher<T, R> launcher = taskLauncher(task);
    return new AmapRun<T, R, R>(
        sink -> newRun(source, launcher, ordered, options.bufferSize(), failureMode(), false, sink),
        (index, item, value, failure, attempts) -> value,
        options.bufferSize());
  }

  private <T extends @Nullable Object, R extends @Nullable Object> Amap<ItemResult<T, R>> resultsAmap(
      Source<? extends T> source, AsyncTask<? super T, ? extends R> task, boolean ordered) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(task, "task");
    Run.Launcher<T, R> launcher = taskLauncher(task);
    // Failures are results here, and each result carries its item, so the run keeps items until delivery.
    return new AmapRun<T, R, ItemResult<T, R>>(
        sink -> newRun(source, launcher, ordered, options.bufferSize(), FailureLedger.Mode.CAPTURE, true, sink),
        (index, item, value, failure, attempts) -> new ItemResult<>(index, item, outcome(value, failure), attempts),
        options.bufferSize());
  }

  // ---- runAll, runAny ----

  @Override
  public <R extends @Nullable Object> CompletableFuture<List<R>> runAll(
      Iterable<? extends AsyncCall<? extends R>> calls) {
    checkCalls(calls);
    RunFuture<List<R>> future = new RunFuture<>();
    Run<AsyncCall<? extends R>, R> run = newRun(
        Source.from(calls), callLauncher(), true, Long.MAX_VALUE, FutureSinks.collect(future, (index, call, value, failure, attempts) -> value));
    return started(future, run);
  }

  @Override
  public <R extends @Nullable Object> CompletableFuture<List<Outcome<R>>> runAllOutcomes(
      Iterable<? extends AsyncCall<? extends R>> calls) {
    checkCalls(calls);
    RunFuture<List<Outcome<R>>> future = new RunFuture<>();
    Run<AsyncCall<? extends R>, R> run = newRun(Source.from(calls), callLauncher(), true, Long.MAX_VALUE,
        FailureLedger.Mode.CAPTURE, FutureSinks.collect(future, (index, call, value, failure, attempts) -> outcome(value, failure)));
    return started(future, run);
  }

  @Override
  public <R extends @Nullable Object> CompletableFuture<R> runAny(
      Iterable<? extends AsyncCall<? extends R>> calls) {
    checkCalls(calls);
    if (calls instanceof Collection<?> collection && collection.isEmpty()) {
      throw new IllegalArgumentException("runAny needs at least one task, but calls was empty");
    }
    RunFuture<R> future = new RunFuture<>();
    Run<AsyncCall<? extends R>, R> run = newRun(Source.from(calls), callLauncher(), false, Long.MAX_VALUE,
        FailureLedger.Mode.FIRST_SUCCESS, FutureSinks.firstSuccess(future));
    return started(future, run);
  }

  // ---- building a run ----

  private <T extends @Nullable Object, R extends @Nullable Object> Run<T, R> newRun(
      Source<? extends T> source, Run.Launcher<T, R> launcher, boolean ordered, long bufferSize, Sink<T, R> sink) {
    return newRun(source, launcher, ordered, bufferSize, failureMode(), false, sink);
  }

  private <T extends @Nullable Object, R extends @Nullable Object> Run<T, R> newRun(
      Source<? extends T> source, Run.Launcher<T, R> launcher, boolean ordered, long bufferSize,
      FailureLedger.Mode mode, Sink<T, R> sink) {
    return newRun(source, launcher, ordered, bufferSize, mode, false, sink);
  }

  private <T extends @Nullable Object, R extends @Nullable Object> Run<T, R> newRun(
      Source<? extends T> source, Run.Launcher<T, R> launcher, boolean ordered, long bufferSize,
      FailureLedger.Mode mode, boolean keepItems, Sink<T, R> sink) {
    RunPlan<T, R> plan = new RunPlan<>(launcher, limiters(), options.limits().maxAtOnce(), options.lookahead(), time,
        ordered, mode, bufferSize, keepItems, listeners, counters, taskTimeoutNanos, options.retry());
    return new Run<>(plan, SourceCursor.of(source), sink);
  }

  /** The run's own listeners, then those given to the shared limiters it passes through. */
  /** The options' failure policy, for the views whose results are plain values. */
  private FailureLedger.Mode failureMode() {
    return options.failurePolicy() == FailurePolicy.FAIL_FAST
        ? FailureLedger.Mode.FAIL_FAST
        : FailureLedger.Mode.RUN_ALL_THEN_THROW;
  }

  private static Listeners listeners(RunOptions options) {
    List<MeterListener> all = new ArrayList<>(options.listeners());
    for (Limiter limiter : options.limiters()) {
      if (limiter instanceof ObservedLimiter observed) {
        all.addAll(observed.listeners());
      }
    }
    return all.isEmpty() ? Listeners.NONE : new Listeners(all);
  }

  /** The statistics of meter's own limiters the run passes through, each once. */
  private static TaskCounters[] counters(RunOptions options) {
    List<TaskCounters> all = new ArrayList<>();
    for (Limiter limiter : options.limiters()) {
      if (limiter instanceof ObservedLimiter observed && all.stream().noneMatch(c -> c == observed.counters())) {
        all.add(observed.counters());
      }
    }
    return all.toArray(new TaskCounters[0]);
  }

  private static long timeoutNanos(RunOptions options) {
    Duration timeout = options.taskTimeout();
    return timeout == null ? 0 : Durations.saturatedNanos(timeout);
  }

  /**
   * The run's limiters: shared or custom ones, then its own rate last, so that a refusal rarely has a
   * rate token to give back. The run's own {@code maxAtOnce} needs no limiter: the run counts its
   * running tasks and does not even pull an item while that count is at the limit.
   */
  private Limiter[] limiters() {
    List<Limiter> limiters = new ArrayList<>(options.limiters().size() + 1);
    limiters.addAll(options.limiters());
    Rate rate = options.limits().rate();
    if (rate != null) {
      limiters.add(new GcraLimiter(rate, options.limits().maxBurst(), time.read()));
    }
    return limiters.toArray(new Limiter[0]);
  }

  private static <V extends @Nullable Object> CompletableFuture<V> started(RunFuture<V> future, Run<?, ?> run) {
    future.attach(run);
    run.request(Long.MAX_VALUE);  // these views take every result as it comes; the request starts the run
    return future;
  }

  @SuppressWarnings("unchecked")
  private <T extends @Nullable Object, R extends @Nullable Object> Run.Launcher<T, R> taskLauncher(
      AsyncTask<? super T, ? extends R> task) {
    if (task instanceof BlockingTaskAdapter<?, ?> blocking) {
      BlockingTaskAdapter<T, R> typed = (BlockingTaskAdapter<T, R>) blocking;
      return (slot, item) -> {
        slot.startBlocking(typed.task(), item, executor);
        return false;
      };
    }
    return new Run.AsyncLauncher<>(task);
  }

  @SuppressWarnings("unchecked")
  private <R extends @Nullable Object> Run.Launcher<AsyncCall<? extends R>, R> callLauncher() {
    AsyncTask<AsyncCall<? extends R>, R> invoke = AsyncCall::call;
    return (slot, call) -> {
      if (call == null) {
        slot.accept(null, new NullPointerException("calls[" + slot.index + "] is null"));
        return false;
      }
      if (call instanceof BlockingCallAdapter<?> blocking) {
        BlockingCallAdapter<R> typed = (BlockingCallAdapter<R>) blocking;
        slot.startBlocking(ignored -> typed.body().call(), call, executor);
        return false;
      }
      return slot.startAsync(invoke, call);
    };
  }

  private static <R extends @Nullable Object> Outcome<R> outcome(@Nullable R value, @Nullable Throwable failure) {
    return failure == null ? Outcome.success(value) : Outcome.failure(failure);
  }

  // ---- argument checks, all before anything starts ----

  private static void checkCalls(@Nullable Iterable<?> calls) {
    Objects.requireNonNull(calls, "calls");
    if (calls instanceof Collection<?>) {
      int index = 0;
      for (Object call : calls) {
        if (call == null) {
          throw new NullPointerException("calls[" + index + "] must not be null");
        }
        index++;
      }
    }
  }
}
