package dev.meter.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A task's way to say that the service refused it for load (an HTTP 429 or 503, a "slow down" error):
 * an {@link AdaptiveLimiter} lowers its limits when a task it let through fails with one, and pauses
 * for the {@link #retryAfter()} the service gave.
 *
 * <pre>{@code
 * if (response.statusCode() == 429) {
 *   throw new OverloadedException("429 from " + uri, RetryAfter.of(response, Instant.now())
 *       .flatMap(RetryAfter::delay).orElse(null));
 * }
 * }</pre>
 */
public class OverloadedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Which of a limiter's limits the service says was exceeded: what an adaptive limiter lowers. */
  public enum Exceeded {
    /** The rate (and its burst): an HTTP 429, "too many requests". */
    RATE,
    /** The tasks at once: an HTTP 503 for too many requests in flight, a "too many connections". */
    AT_ONCE,
    /** The service did not say: every limit. */
    ANY
  }

  private final @Nullable Duration retryAfter;
  private final Exceeded exceeded;

  /** A refusal with no time to wait given, and no word on which limit. */
  public OverloadedException(String message) {
    this(message, null);
  }

  /**
   * A refusal, with how long the service asked to wait before trying again (null: it did not say),
   * and no word on which limit.
   *
   * @throws IllegalArgumentException if {@code retryAfter} is negative
   */
  public OverloadedException(String message, @Nullable Duration retryAfter) {
    this(message, retryAfter, Exceeded.ANY);
  }

  /**
   * A refusal that says which limit was exceeded: an {@link AdaptiveLimiter} lowers that one only
   * (a 429 says nothing of how many may run at once, a 503 for load nothing of the rate).
   *
   * @throws IllegalArgumentException if {@code retryAfter} is negative
   */
  public OverloadedException(String message, @Nullable Duration retryAfter, Exceeded exceeded) {
    super(Objects.requireNonNull(message, "message"));
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must be >= 0, but was " + retryAfter);
    }
    this.retryAfter = retryAfter;
    this.exceeded = Objects.requireNonNull(exceeded, "exceeded");
  }

  /** Which limit the service says was exceeded; {@link Exceeded#ANY} unless it said. */
  public Exceeded exceeded() {
    return exceeded;
  }

  /** How long the service asked to wait, if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
