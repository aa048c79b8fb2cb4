package dev.meter.micrometer;

import dev.meter.api.KeyedLimiter;
import dev.meter.api.SharedLimiter;
import dev.meter.api.event.MeterListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * meter's runs and limiters as Micrometer meters. Two things to wire, each one call:
 *
 * <ul>
 *   <li>{@link #listener} gives a {@link MeterListener} that turns the tasks it is told of into meters
 *       tagged {@code name}: give it to a run ({@code RunOptions.Builder.listener}) or to a limiter
 *       ({@code LimiterConfig.Builder.listener}: then it hears every task of every run through the
 *       limiter).
 *       <ul>
 *         <li>{@code meter.tasks.waiting}, {@code meter.tasks.running}: gauges, tasks now;
 *         <li>{@code meter.tasks.started}: counter;
 *         <li>{@code meter.tasks.finished}: counter, tagged {@code outcome} = {@code succeeded},
 *             {@code failed}, {@code refused} (failed with an {@code OverloadedException}: the service
 *             said no) or {@code cancelled} (including items dropped before they started);
 *         <li>{@code meter.tasks.retried}: counter, attempts that failed and are tried again;
 *         <li>{@code meter.tasks.waited}: timer, from an item's turn to its start (the limits' wait),
 *             with p50, p95 and p99;
 *         <li>{@code meter.tasks.duration}: timer, each attempt from start to settling, with p50,
 *             p95 and p99.
 *       </ul>
 *   <li>{@link #bind(MeterRegistry, SharedLimiter, Tag...)} reads a limiter's own books and limits,
 *       tagged {@code limiter} with its name; it works for every shared limiter (adaptive and Redis
 *       ones too: an adaptive limiter's limits are the ones it adapted to), needs nothing at build
 *       time, and holds the limiter only weakly.
 *       <ul>
 *         <li>{@code meter.limiter.max.at.once}, {@code meter.limiter.rate} (starts per second),
 *             {@code meter.limiter.burst}: gauges, the limits in force (NaN where there is none);
 *         <li>{@code meter.limiter.waiting}, {@code meter.limiter.running}: gauges;
 *         <li>{@code meter.limiter.started}: counter; {@code meter.limiter.finished}: counter by
 *             {@code outcome} ({@code succeeded}, {@code failed}, {@code cancelled});
 *         <li>{@code meter.limiter.waited}: function timer (count and total time waited).
 *       </ul>
 *       {@link #bind(MeterRegistry, KeyedLimiter, Tag...)} does the same for a keyed limiter (its books
 *       over every key) and adds {@code meter.limiter.keys}, the keys it holds now.
 * </ul>
 *
 * <p>Names follow Micrometer's conventions (dot-separated, lowercase; each registry renders them its
 * way: {@code meter_tasks_finished_total{outcome="refused"}} in Prometheus).
 */
public final class MicrometerMetrics {
  /** The tag every meter of {@link #listener} carries: the name it was given. */
  public static final String NAME_TAG = "name";
  /** The tag every meter of {@code bind} carries: the limiter's name. */
  public static final String LIMITER_TAG = "limiter";
  /** The tag of the finished counters: how the task ended. */
  public static final String OUTCOME_TAG = "outcome";

  private MicrometerMetrics() {}

  /**
   * A listener whose meters, tagged {@code name=name} (and {@code tags}), count and time the tasks it
   * is told of. Give the same listener to every run that should count under this name: meters of one
   * name and tags are registered once, and a second listener of the same name would share the timers
   * and counters but not the gauges.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  public static MeterListener listener(MeterRegistry registry, String name, Tag... tags) {
    Objects.requireNonNull(registry, "registry");
    return new TaskMetrics(registry, Tags.of(NAME_TAG, checkName(name)).and(tags));
  }

  /** Registers {@code limiter}'s limits in force and books, tagged {@code limiter=}its name (and {@code tags}). */
  public static void bind(MeterRegistry registry, SharedLimiter limiter, Tag... tags) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(limiter, "limiter");
    LimiterMetrics.bind(registry, limiter, Tags.of(LIMITER_TAG, limiter.name()).and(tags));
  }

  /** Registers {@code limiter}'s books over all its keys and how many keys it holds, tagged {@code limiter=}its name. */
  public static void bind(MeterRegistry registry, KeyedLimiter<?> limiter, Tag... tags) {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(limiter, "limiter");
    LimiterMetrics.bind(registry, limiter, Tags.of(LIMITER_TAG, limiter.name()).and(tags));
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank, but was \"" + name + "\"");
    }
    return name;
  }
}
