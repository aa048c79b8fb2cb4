package dev.meter.redis;

import dev.meter.api.spi.Limiter;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A start granted by the local limits while Redis did not answer (fail open): it goes back to them. */
record LocalPermit(Limiter.Permit permit) implements Limiter.Permit {

  /** The fallback that granted it (there is one, or no local permit would exist). */
  Limiter from(@Nullable Limiter fallback) {
    return Objects.requireNonNull(fallback, "a local permit without a fallback");
  }
}
