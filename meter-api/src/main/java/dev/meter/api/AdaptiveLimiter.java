package dev.meter.api;

/**
 * A {@link SharedLimiter} whose limits follow the service behind it: a task it lets through that
 * the service refuses for load (see {@link AdaptiveConfig#overload()}) lowers its rate, burst and
 * {@code maxAtOnce} by the {@linkplain AdaptiveConfig#backoffRatio() backoff ratio} (only those the
 * refusal names, see {@link OverloadedException#exceeded()}), then to the share of that burst of
 * tasks the service took; successes raise them again along a cubic that levels off where they were
 * refused ({@link AdaptiveConfig#recoverySuccesses()}), never below the floors nor above the
 * ceilings of its {@link AdaptiveConfig}. {@link #limits()} is the limit in force; each change is also
 * handed to {@link AdaptiveConfig#onChange()}.
 *
 * <p>One burst of refusals lowers the limits once: the refusals of tasks that started before that
 * decrease say nothing about the new limits and are not counted again. A refusal that carries a
 * Retry-After ({@link OverloadedException#retryAfter()}) also {@linkplain #pauseFor pauses} the
 * limiter for it.
 *
 * <p>Setting limits by hand ({@link #setLimits}, {@link #setMaxPerSecond}, ...) moves the limit in
 * force, clamped to the floors and ceilings; adaptation goes on from there.
 */
public interface AdaptiveLimiter extends SharedLimiter {

  /** How this limiter adapts. */
  AdaptiveConfig config();

  /**
   * A change of the limits in force.
   *
   * @param before the limits in force until now
   * @param after the limits in force from now
   * @param cause why they changed
   * @param key the key whose limits changed, for a keyed adaptive limiter; null otherwise
   */
  record Change(Limits before, Limits after, Cause cause, @org.jspecify.annotations.Nullable Object key) {

    /** A change of a limiter that has no keys. */
    public Change(Limits before, Limits after, Cause cause) {
      this(before, after, cause, null);
    }
  }

  /** Why an adaptive limiter changed its limits. */
  enum Cause {
    /** A task let through at the limits in force was refused for load: they went down. */
    OVERLOAD,
    /** Tasks succeeded: the limits went up a step. */
    SUCCESSES,
    /** Set by hand ({@link SharedLimiter#setLimits} and the like). */
    SET
  }
}
