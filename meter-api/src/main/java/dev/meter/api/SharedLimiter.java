package dev.meter.api;

import dev.meter.api.event.MeterStats;
import dev.meter.api.spi.Limiter;
import java.time.Duration;
import java.time.Instant;

/**
 * A limiter built once and passed to any number of runs, from any threads: its limits hold for all of
 * them together. Add it to a run with {@link RunOptions.Builder#limiter(Limiter)}; a run's own
 * {@code maxAtOnce} and rate still apply on top (a task starts when every limit allows it).
 *
 * <p>Its limits can be changed while it is in use. A change applies from the next start: running
 * tasks are not disturbed, and runs waiting on the limiter are re-timed at once (a lower rate makes
 * them wait longer, a higher one releases them sooner). A rate change keeps the starts already owed:
 * if the limiter was two starts behind at the old rate, it is two starts behind at the new one.
 *
 * <p>No method blocks. A run cancelled while it waits on the limiter leaves it exactly as if it had
 * never asked.
 */
public interface SharedLimiter extends Limiter {

  /**
   * The limiter's name ({@link LimiterConfig#name()}): what its metrics are tagged with, and what its
   * {@code toString} and errors about it say. A limiter written outside meter that does not name
   * itself is called by its class's simple name.
   */
  default String name() {
    return getClass().getSimpleName();
  }

  /** The limits in force now. */
  Limits limits();

  /**
   * Replaces all three limits in one step (a rate of null removes the rate limit), as if the limiter
   * had been built with them but keeping what it owes: the starts already made still count against
   * the new rate.
   */
  void setLimits(Limits limits);

  /**
   * Sets the concurrency limit. Lowering it below the number running stops new starts until enough
   * have finished; nothing running is cancelled.
   *
   * @throws IllegalArgumentException if {@code maxAtOnce < 1}
   */
  void setMaxAtOnce(int maxAtOnce);

  /**
   * Sets the start rate.
   *
   * @throws IllegalArgumentException if it is not a finite number &gt; 0, or above {@link Rate#MAX_PER_SECOND}
   */
  default void setMaxPerSecond(double maxPerSecond) {
    setRate(Rate.perSecond(maxPerSecond));
  }

  /**
   * Sets the start rate as a {@link Rate}.
   *
   * @throws IllegalArgumentException if the current burst is too large for its interval
   */
  void setRate(Rate rate);

  /**
   * Sets the burst.
   *
   * @throws IllegalArgumentException if {@code maxBurst < 1}, or above 1 while the limiter has no rate
   */
  void setMaxBurst(int maxBurst);

  /**
   * Lets nothing start through this limiter for {@code duration} from now (for example after an HTTP
   * 429 with {@code Retry-After}). Running tasks are not disturbed. A pause never shortens one already
   * in force: the later end wins.
   *
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  void pauseFor(Duration duration);

  /**
   * Lets nothing start through this limiter until {@code until}, by the system clock; see
   * {@link #pauseFor(Duration)}. An instant in the past does nothing.
   */
  void pauseUntil(Instant until);

  /** The counters of every task that passed through this limiter, as of now. */
  MeterStats stats();
}
