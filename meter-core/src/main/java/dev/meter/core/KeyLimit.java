package dev.meter.core;

import dev.meter.api.Limits;
import dev.meter.api.spi.Limiter;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link DefaultKeyedLimiter} keeps for one key: a shared limiter, or an adaptive one. Besides
 * the SPI, a key's limiter can refuse once retired (the keyed limiter then looks the key up again),
 * be paused, and say whether it may be forgotten.
 */
interface KeyLimit extends Limiter {
  /**
   * The SPI's tryAcquire: {@link #tryAcquireUnlessRetired} with the time waited. Only a keyed limiter
   * retires its limiters, and it asks through {@code tryAcquireUnlessRetired}; a retired one asked
   * here is a bug.
   */
  @Override
  default Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
    Decision decision = tryAcquireUnlessRetired(nowNanos - waitingSinceNanos);
    if (decision == null) {
      throw new IllegalStateException("this limiter was retired by its keyed limiter");
    }
    return decision;
  }

  /**
   * The SPI's tryAcquire for a start that has waited {@code waitedNanos} (by the run's clock); null if
   * this limiter was retired, and the keyed limiter must look its key up again.
   */
  @Nullable Decision tryAcquireUnlessRetired(long waitedNanos);

  /** Pauses for {@code nanos}; false if retired (look the key up again). */
  boolean pause(long nanos);

  /**
   * Retires this limiter if forgetting it loses nothing: no task holds or waits for a permit, and
   * its state is that of a new one (a full burst; for an adaptive limiter, limits back where they
   * started, or long unused). A retired limiter grants nothing.
   */
  boolean retireIfIdle();

  /** Permits out now. */
  int running();

  /** The limits in force. */
  Limits limits();
}
