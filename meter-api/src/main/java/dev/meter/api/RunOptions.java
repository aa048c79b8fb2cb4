package dev.meter.api;

import dev.meter.api.event.MeterListener;
import dev.meter.api.spi.Limiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The immutable options of a run: its limits, how it fails, and where its threads and
 * time come from. Build one with {@link #builder()}; every setter checks its argument at once and
 * {@link Builder#build()} checks how they combine, so bad options fail before any task starts.
 *
 * <pre>{@code
 * RunOptions options = RunOptions.builder()
 *     .maxAtOnce(5)          // at most 5 tasks running at any instant
 *     .maxPerSecond(10)      // at most 10 starts per second...
 *     .maxBurst(3)           // ...of which 3 may start at once
 *     .taskTimeout(Duration.ofSeconds(30))
 *     .build();
 * }</pre>
 *
 * <p>The three limits together are a {@link Limits} value ({@link #limits()}); when they are all a run
 * needs, {@code Meter.with(Limits.of(5, Rate.perSecond(10), 3))} skips the builder.
 *
 * <p>Limits given here apply to each run made with these options separately: two runs get two sets of
 * limits. To share one limit between runs, pass the same {@link Limiter} to both with
 * {@link Builder#limiter(Limiter)}.
 */
public final class RunOptions {

  /** The default {@link #bufferSize()}. */
  public static final int DEFAULT_BUFFER_SIZE = 256;

  /** The default {@link #lookahead()}. */
  public static final int DEFAULT_LOOKAHEAD = 256;

  private static final RunOptions DEFAULTS = new Builder().build();

  private final Limits limits;
  private final FailurePolicy failurePolicy;
  private final int bufferSize;
  private final int lookahead;
  private final @Nullable Executor executor;
  private final @Nullable TimeSource timeSource;
  private final List<Limiter> limiters;
  private final List<MeterListener> listeners;
  private final @Nullable Duration taskTimeout;
  private final @Nullable RetryPolicy retry;

  private RunOptions(Builder builder) {
    this.limits = builder.limits.build();
    this.failurePolicy = builder.failurePolicy;
    this.bufferSize = builder.bufferSize;
    this.lookahead = builder.lookahead;
    this.executor = builder.executor;
    this.timeSource = builder.timeSource;
    this.limiters = List.copyOf(builder.limiters);
    this.listeners = List.copyOf(builder.listeners);
    this.taskTimeout = builder.taskTimeout;
    this.retry = builder.retry;
  }

  /** A new builder with every option at its default. */
  public static Builder builder() {
    return new Builder();
  }

  /** No limits, fail-fast, the default buffer, executor and time source. */
  public static RunOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The run's own limits: at most this many running, this rate, this burst ({@link Limits#none()} unless set). */
  public Limits limits() {
    return limits;
  }

  /**
   * What a task failure does to a run whose results are plain values ({@code runOnEach}, {@code amap},
   * {@code amapOrdered}, {@code runAll}); the {@code ...Results} and {@code ...Outcomes} views keep
   * every failure as a value, and {@code runAny} waits for a success.
   */
  public FailurePolicy failurePolicy() {
    return failurePolicy;
  }

  /** How many finished results may wait for a slow consumer before new starts stop. */
  public int bufferSize() {
    return bufferSize;
  }

  /**
   * How many items a run may hold aside, pulled but refused by a limiter that
   * {@linkplain Limiter#refusesPerItem() refuses per item} (a keyed limit whose key is busy), while it
   * starts the items after them.
   */
  public int lookahead() {
    return lookahead;
  }

  /**
   * Where blocking tasks run; null for meter's default (virtual threads on JDK 21+, otherwise a
   * bounded pool of daemon threads).
   */
  public @Nullable Executor executor() {
    return executor;
  }

  /**
   * The clock and timer of the run's rate limit, waits and task timeouts; null for meter's default
   * (the system clock, one shared timer thread, callbacks on meter's own threads).
   */
  public @Nullable TimeSource timeSource() {
    return timeSource;
  }

  /** Extra limiters (shared or custom) every start must also pass, in the order given. */
  public List<Limiter> limiters() {
    return limiters;
  }

  /** Who is told of each task's life in runs with these options. */
  public List<MeterListener> listeners() {
    return listeners;
  }

  /** How long a task may run before it is cancelled and fails with {@link TaskTimeoutException}; null for no limit. */
  public @Nullable Duration taskTimeout() {
    return taskTimeout;
  }

  /** When a failed item is tried again; null for never (the default). */
  public @Nullable RetryPolicy retry() {
    return retry;
  }

  @Override
  public String toString() {
    return "RunOptions{limits=" + limits + ", failurePolicy=" + failurePolicy + ", bufferSize=" + bufferSize + ", lookahead=" + lookahead
        + ", limiters=" + limiters.size() + ", listeners=" + listeners.size()
        + ", taskTimeout=" + taskTimeout + ", retry=" + retry + "}";
  }

  /** Builds {@link RunOptions}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private final LimitsBuilder limits = new LimitsBuilder(Limits.none());
    private FailurePolicy failurePolicy = FailurePolicy.FAIL_FAST;
    private int bufferSize = DEFAULT_BUFFER_SIZE;
    private int lookahead = DEFAULT_LOOKAHEAD;
    private @Nullable Executor executor;
    private @Nullable TimeSource timeSource;
    private final List<Limiter> limiters = new ArrayList<>();
    private final List<MeterListener> listeners = new ArrayList<>();
    private @Nullable Duration taskTimeout;
    private @Nullable RetryPolicy retry;

    private Builder() {}

    private Builder(RunOptions options) {
      this.limits.set(options.limits);
      this.failurePolicy = options.failurePolicy;
      this.bufferSize = options.bufferSize;
      this.lookahead = options.lookahead;
      this.executor = options.executor;
      this.timeSource = options.timeSource;
      this.limiters.addAll(options.limiters);
      this.listeners.addAll(options.listeners);
      this.taskTimeout = options.taskTimeout;
      this.retry = options.retry;
    }

    /**
     * At most {@code maxAtOnce} tasks running (started and not yet settled) at any instant.
     *
     * @throws IllegalArgumentException if {@code maxAtOnce < 1}
     */
    public Builder maxAtOnce(int maxAtOnce) {
      limits.maxAtOnce(maxAtOnce);
      return this;
    }

    /**
     * At most {@code maxPerSecond} starts per second (GCRA, see {@link Rate}).
     *
     * @throws IllegalArgumentException if it is not a finite number &gt; 0, or above
     *     {@link Rate#MAX_PER_SECOND}
     */
    public Builder maxPerSecond(double maxPerSecond) {
      limits.maxPerSecond(maxPerSecond);
      return this;
    }

    /**
     * At most {@code permits} starts per {@code per}, for example {@code rate(100, Duration.ofMinutes(1))}.
     *
     * @throws IllegalArgumentException if {@code permits} is not a finite number &gt; 0 or {@code per}
     *     is not positive
     */
    public Builder rate(double permits, Duration per) {
      limits.rate(permits, per);
      return this;
    }

    /** The start rate as a {@link Rate} value. */
    public Builder rate(Rate rate) {
      limits.rate(rate);
      return this;
    }

    /**
     * How many starts the rate lets through at once; a new run starts with the full burst.
     *
     * @throws IllegalArgumentException if {@code maxBurst < 1}
     */
    public Builder maxBurst(int maxBurst) {
      limits.maxBurst(maxBurst);
      return this;
    }

    /** All three limits at once, replacing any set before. */
    public Builder limits(Limits limits) {
      this.limits.set(limits);
      return this;
    }

    /**
     * What a task failure does to a run whose results are plain values; {@link FailurePolicy#FAIL_FAST}
     * by default. See {@link RunOptions#failurePolicy()}.
     */
    public Builder failurePolicy(FailurePolicy failurePolicy) {
      this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
      return this;
    }

    /**
     * How many finished results may wait for the consumer before new starts stop.
     *
     * @throws IllegalArgumentException if {@code bufferSize < 1}
     */
    public Builder bufferSize(int bufferSize) {
      if (bufferSize < 1) {
        throw new IllegalArgumentException("bufferSize must be >= 1, but was " + bufferSize);
      }
      this.bufferSize = bufferSize;
      return this;
    }

    /**
     * How many items may wait aside for a limiter that {@linkplain Limiter#refusesPerItem() refuses per
     * item} while later items start: with a {@link KeyedLimiter}, items for a busy host wait without
     * holding up the items for other hosts. Items held aside are retried first, in input order, as
     * soon as their limiter may allow them. When this many wait, the run waits for the next refused
     * item like any other: {@code 0} makes items start strictly in input order. Default
     * {@value #DEFAULT_LOOKAHEAD}.
     *
     * @throws IllegalArgumentException if {@code lookahead < 0}
     */
    public Builder lookahead(int lookahead) {
      if (lookahead < 0) {
        throw new IllegalArgumentException("lookahead must be >= 0, but was " + lookahead);
      }
      this.lookahead = lookahead;
      return this;
    }

    /** Where blocking tasks run. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * The clock rates are measured with and the timer waits and timeouts are set on; tests pass a
     * {@code dev.meter.testing.VirtualTime}.
     */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /** One more limiter (shared or custom) that every start must also pass. */
    public Builder limiter(Limiter limiter) {
      limiters.add(Objects.requireNonNull(limiter, "limiter"));
      return this;
    }

    /**
     * Replaces the limiters given so far with {@code limiters}, which every start must pass in this
     * order (a limiter that refuses early spares the later ones a permit to give back).
     *
     * @throws NullPointerException if {@code limiters} or one of them is null, naming its index
     */
    public Builder limiters(List<? extends Limiter> limiters) {
      Objects.requireNonNull(limiters, "limiters");
      List<Limiter> checked = new ArrayList<>(limiters.size());
      for (int i = 0; i < limiters.size(); i++) {
        checked.add(Objects.requireNonNull(limiters.get(i), "limiters[" + i + "]"));
      }
      this.limiters.clear();
      this.limiters.addAll(checked);
      return this;
    }

    /** One more listener told of each task's life (see {@link MeterListener}). */
    public Builder listener(MeterListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Cancels a task that runs longer than {@code taskTimeout} and fails it with a
     * {@link TaskTimeoutException} naming its index, under the run's failure policy. Measured from
     * the task's start and timed on the run's {@link TimeSource}.
     *
     * @throws IllegalArgumentException if {@code taskTimeout} is zero or negative
     */
    public Builder taskTimeout(Duration taskTimeout) {
      Objects.requireNonNull(taskTimeout, "taskTimeout");
      if (taskTimeout.isZero() || taskTimeout.isNegative()) {
        throw new IllegalArgumentException("taskTimeout must be a positive duration, but was " + taskTimeout);
      }
      this.taskTimeout = taskTimeout;
      return this;
    }

    /**
     * Tries a failed item again under {@code retry}: after its backoff the item waits for its limits
     * again and its next attempt takes new permits, so retries count against every limit. The item
     * keeps its place (ordered views wait for it); only its last attempt's failure counts. Listeners
     * hear {@link MeterListener#onRetrying} between attempts, and {@link ItemResult#attempts()} says
     * how many it took.
     */
    public Builder retry(RetryPolicy retry) {
      this.retry = Objects.requireNonNull(retry, "retry");
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException if {@code maxBurst} is above 1 without a rate, or the burst is
     *     too large for the rate's interval
     */
    public RunOptions build() {
      return new RunOptions(this);
    }
  }
}
