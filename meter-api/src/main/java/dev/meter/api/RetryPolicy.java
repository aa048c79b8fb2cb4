package dev.meter.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * When and how soon a run tries a failed item again: the item goes back to wait for its limits after a
 * backoff, and its next attempt takes new permits from every limiter, as any start does. Only its last
 * attempt's failure counts (under the run's {@link FailurePolicy}, or as its {@link ItemResult}).
 * Give one to a run with {@link RunOptions.Builder#retry(RetryPolicy)}.
 *
 * <pre>{@code
 * RetryPolicy retry = RetryPolicy.builder()
 *     .maxAttempts(5)                                          // the first try and up to 4 retries
 *     .backoff(Duration.ofMillis(200), Duration.ofSeconds(10)) // 200 ms, 400 ms, 800 ms... at most 10 s
 *     .retryOn(failure -> failure instanceof IOException || failure instanceof OverloadedException)
 *     .build();
 * }</pre>
 *
 * <p>The delay before attempt {@code n + 1} is {@code initialDelay * multiplier^(n-1)}, at most
 * {@code maxDelay}, less a random share of it up to {@code jitter} (so that items that failed together
 * do not come back together). A failure that carries a Retry-After (an {@link OverloadedException}
 * with {@link OverloadedException#retryAfter()}, or one with such a cause) waits at least that long;
 * a Retry-After longer than {@code maxDelay} ends the item's attempts, and its failure is that
 * exception. A cancellation is never retried, nor is anything once the run is stopping.
 */
public final class RetryPolicy {
  /**
   * By default every {@link Exception} is retried (an {@link Error} is not): a task that fails with a
   * bug will fail again, but meter cannot tell, so narrow it with {@link Builder#retryOn}.
   */
  public static final Predicate<Throwable> DEFAULT_RETRY_ON = failure -> failure instanceof Exception;

  /** The longest delay a policy may have: what a {@code long} of nanoseconds holds (292 years). */
  private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

  private final int maxAttempts;
  private final Duration initialDelay;
  private final Duration maxDelay;
  private final double multiplier;
  private final double jitter;
  private final Predicate<? super Throwable> retryOn;

  private RetryPolicy(Builder builder) {
    this.maxAttempts = builder.maxAttempts;
    this.initialDelay = builder.initialDelay;
    this.maxDelay = builder.maxDelay;
    this.multiplier = builder.multiplier;
    this.jitter = builder.jitter;
    this.retryOn = builder.retryOn;
  }

  /** A builder at the defaults: 3 attempts, 100 ms doubling up to 30 s, jitter 0.5, every exception. */
  public static Builder builder() {
    return new Builder();
  }

  /** How many times an item's task may run in all, the first included; 1 means never again. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The backoff before the second attempt, before jitter. */
  public Duration initialDelay() {
    return initialDelay;
  }

  /** The longest backoff, and the longest Retry-After that is waited for. */
  public Duration maxDelay() {
    return maxDelay;
  }

  /** How much each backoff grows over the one before. */
  public double multiplier() {
    return multiplier;
  }

  /** The largest share of a backoff that is randomly taken off it, from 0 (none) to 1. */
  public double jitter() {
    return jitter;
  }

  /** Which failures are worth another attempt. */
  public Predicate<? super Throwable> retryOn() {
    return retryOn;
  }

  /**
   * How long to wait before trying again an item whose attempt number {@code attempt} failed with
   * {@code failure}; empty if it is not tried again (attempts spent, a failure not retried, a
   * cancellation, or a Retry-After beyond {@link #maxDelay()}).
   *
   * @param attempt the attempt that failed, counting from 1
   * @param random a number in {@code [0, 1)}: the share of the jitter taken off
   * @throws IllegalArgumentException if {@code attempt < 1} or {@code random} is outside [0, 1)
   */
  public Optional<Duration> delayAfter(int attempt, Throwable failure, double random) {
    long nanos = delayNanosAfter(attempt, failure, random);
    return nanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(nanos));
  }

  /**
   * {@link #delayAfter} in nanoseconds, -1 for no retry: what the engine calls on each failure. The
   * predicate runs here, and what it throws is the caller's to handle.
   */
  public long delayNanosAfter(int attempt, Throwable failure, double random) {
    Objects.requireNonNull(failure, "failure");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be >= 1, but was " + attempt);
    }
    if (!(random >= 0 && random < 1)) {
      throw new IllegalArgumentException("random must be in [0, 1), but was " + random);
    }
    if (attempt >= maxAttempts || failure instanceof CancellationException || !retryOn.test(failure)) {
      return -1;
    }
    double backoff = Math.min(maxDelay.toNanos(), initialDelay.toNanos() * Math.pow(multiplier, attempt - 1));
    long delay = (long) (backoff * (1 - jitter * random));
    Duration asked = retryAfterOf(failure);
    if (asked != null) {
      if (asked.compareTo(maxDelay) > 0) {
        return -1;  // the service asks for a longer wait than this policy allows
      }
      delay = Math.max(delay, asked.toNanos());
    }
    return delay;
  }

  /** The Retry-After of an {@link OverloadedException} that is the failure or one of its causes. */
  private static @Nullable Duration retryAfterOf(Throwable failure) {
    int depth = 0;
    for (Throwable each = failure; each != null && depth < 16; each = each.getCause(), depth++) {
      if (each instanceof OverloadedException overloaded) {
        return overloaded.retryAfter().orElse(null);
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialDelay=" + initialDelay + ", maxDelay=" + maxDelay
        + ", multiplier=" + multiplier + ", jitter=" + jitter + "}";
  }

  /** Builds a {@link RetryPolicy}; each setter rejects a bad value at once, naming it. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialDelay = Duration.ofMillis(100);
    private Duration maxDelay = Duration.ofSeconds(30);
    private double multiplier = 2;
    private double jitter = 0.5;
    private Predicate<? super Throwable> retryOn = DEFAULT_RETRY_ON;

    private Builder() {}

    /**
     * How many times an item's task may run in all, the first included (3 by default).
     *
     * @throws IllegalArgumentException if {@code maxAttempts < 1}
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, but was " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The first backoff and the longest one (100 ms and 30 s by default). The longest is also the
     * longest Retry-After a failure may ask for and still be retried.
     *
     * @throws IllegalArgumentException if {@code initialDelay} is negative, or {@code maxDelay} is
     *     shorter than it or longer than 292 years
     */
    public Builder backoff(Duration initialDelay, Duration maxDelay) {
      Objects.requireNonNull(initialDelay, "initialDelay");
      Objects.requireNonNull(maxDelay, "maxDelay");
      if (initialDelay.isNegative()) {
        throw new IllegalArgumentException("initialDelay must be >= 0, but was " + initialDelay);
      }
      if (maxDelay.compareTo(LONGEST) > 0) {
        throw new IllegalArgumentException("maxDelay must be at most " + LONGEST + ", but was " + maxDelay);
      }
      if (maxDelay.compareTo(initialDelay) < 0) {
        throw new IllegalArgumentException("maxDelay must be >= initialDelay (" + initialDelay + "), but was " + maxDelay);
      }
      this.initialDelay = initialDelay;
      this.maxDelay = maxDelay;
      return this;
    }

    /**
     * How much each backoff grows over the one before (2 by default; 1 for a fixed delay).
     *
     * @throws IllegalArgumentException if it is not a finite number >= 1
     */
    public Builder multiplier(double multiplier) {
      if (!(multiplier >= 1) || Double.isInfinite(multiplier)) {
        throw new IllegalArgumentException("multiplier must be a finite number >= 1, but was " + multiplier);
      }
      this.multiplier = multiplier;
      return this;
    }

    /**
     * The largest share of each backoff taken off at random (0.5 by default: a backoff of 400 ms
     * becomes 200 to 400 ms; 0 for exact delays, 1 for "full jitter").
     *
     * @throws IllegalArgumentException if it is outside [0, 1]
     */
    public Builder jitter(double jitter) {
      if (!(jitter >= 0 && jitter <= 1)) {
        throw new IllegalArgumentException("jitter must be in [0, 1], but was " + jitter);
      }
      this.jitter = jitter;
      return this;
    }

    /**
     * Which failures are retried ({@link #DEFAULT_RETRY_ON}: every exception). A cancellation never is,
     * whatever this says. If it throws, the item fails with what it threw, the failure attached.
     */
    public Builder retryOn(Predicate<? super Throwable> retryOn) {
      this.retryOn = Objects.requireNonNull(retryOn, "retryOn");
      return this;
    }

    /** The policy. */
    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
