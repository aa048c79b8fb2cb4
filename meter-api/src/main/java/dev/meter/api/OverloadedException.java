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

  private final @Nullable Duration retryAfter;

  /** A refusal with no time to wait given. */
  public OverloadedException(String message) {
    this(message, null);
  }

  /**
   * A refusal, with how long the service asked to wait before trying again (null: it did not say).
   *
   * @throws IllegalArgumentException if {@code retryAfter} is negative
   */
  public OverloadedException(String message, @Nullable Duration retryAfter) {
    super(Objects.requireNonNull(message, "message"));
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must be >= 0, but was " + retryAfter);
    }
    this.retryAfter = retryAfter;
  }

  /** How long the service asked to wait, if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
