package dev.meter.micrometer;

import dev.meter.api.OverloadedException;
import dev.meter.api.event.MeterListener;
import dev.meter.api.event.MeterStats;
import dev.meter.api.event.StatsRecorder;
import dev.meter.api.event.TaskEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * {@link MicrometerMetrics#listener}: the counts come from a {@link StatsRecorder} (the same books a
 * run's own stats keep, read when the registry is scraped), the times and refusals from the events.
 */
final class TaskMetrics implements MeterListener {
  private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

  private final StatsRecorder stats = new StatsRecorder();
  private final Counter refused;
  private final Timer waited;
  private final Timer duration;

  TaskMetrics(MeterRegistry registry, Tags tags) {
    gauge(registry, "meter.tasks.waiting", "tasks waiting for their limits to let them start", tags, MeterStats::waiting);
    gauge(registry, "meter.tasks.running", "tasks running now", tags, MeterStats::running);
    FunctionCounter.builder("meter.tasks.started", stats, recorder -> recorder.snapshot().started())
        .description("tasks started (each attempt of a retried one)").tags(tags).register(registry);
    this.refused = Counter.builder("meter.tasks.finished").description("tasks finished, by outcome")
        .tags(tags).tag(MicrometerMetrics.OUTCOME_TAG, "refused").register(registry);
    finished(registry, tags, "succeeded", MeterStats::succeeded);
    finished(registry, tags, "failed", snapshot -> snapshot.failed() - refused.count());
    finished(registry, tags, "cancelled", MeterStats::cancelled);
    FunctionCounter.builder("meter.tasks.retried", stats, recorder -> recorder.snapshot().retried())
        .description("attempts that failed and are tried again").tags(tags).register(registry);
    this.waited = Timer.builder("meter.tasks.waited").description("time from an item's turn to its start")
        .tags(tags).publishPercentiles(PERCENTILES).register(registry);
    this.duration = Timer.builder("meter.tasks.duration").description("time from a task's start to its settling")
        .tags(tags).publishPercentiles(PERCENTILES).register(registry);
  }

  private void gauge(MeterRegistry registry, String name, String description, Tags tags, ToDoubleFunction<MeterStats> value) {
    // Held strongly: a run's gauges keep their last value after its options are gone.
    Gauge.builder(name, stats, recorder -> value.applyAsDouble(recorder.snapshot()))
        .description(description).tags(tags).strongReference(true).register(registry);
  }

  private void finished(MeterRegistry registry, Tags tags, String outcome, ToDoubleFunction<MeterStats> count) {
    FunctionCounter.builder("meter.tasks.finished", stats, recorder -> count.applyAsDouble(recorder.snapshot()))
        .description("tasks finished, by outcome").tags(tags).tag(MicrometerMetrics.OUTCOME_TAG, outcome).register(registry);
  }

  @Override
  public void onWaiting(TaskEvent event) {
    stats.onWaiting(event);
  }

  @Override
  public void onStarted(TaskEvent event) {
    stats.onStarted(event);
    waited.record(event.waitedNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void onSucceeded(TaskEvent event) {
    stats.onSucceeded(event);
    duration.record(event.ranNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void onFailed(TaskEvent event, Throwable failure) {
    if (unwrap(failure) instanceof OverloadedException) {
      refused.increment();  // before the failure is counted: a scrape between the two sees it in neither
    }
    stats.onFailed(event, failure);
    duration.record(event.ranNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void onRetrying(TaskEvent event, Throwable failure, Duration delay) {
    stats.onRetrying(event, failure, delay);
    duration.record(event.ranNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void onCancelled(TaskEvent event) {
    stats.onCancelled(event);
    if (event.started()) {
      duration.record(event.ranNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  @Override
  public String toString() {
    return "MicrometerMetrics.listener(" + waited.getId().getTags() + ")";
  }
}
