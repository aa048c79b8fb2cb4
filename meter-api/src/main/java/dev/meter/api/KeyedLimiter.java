package dev.meter.api;

import dev.meter.api.event.MeterStats;
import dev.meter.api.spi.Limiter;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * One set of limits per key (per host, per tenant), all from the same {@link LimiterConfig}: a key's
 * limiter is created when the key is first used and forgotten once it is idle (nothing running or
 * waiting, no pause in force, its full burst back), so memory stays bounded however many keys pass
 * through. Forgetting an idle key changes nothing: a new limiter for it behaves the same. A keyed
 * adaptive limiter ({@code Meter.keyedAdaptiveLimiter}) learns each key's limits on its own; it keeps a
 * key whose limits it lowered until they are back where they started or the key has been idle for
 * {@link AdaptiveConfig#forgetAfter()}.
 *
 * <pre>{@code
 * KeyedLimiter<String> perHost = Meter.keyedLimiter(LimiterConfig.builder().maxAtOnce(2).maxPerSecond(5).build());
 * RunOptions options = RunOptions.builder().limiter(perHost.by((URI uri) -> uri.getHost())).build();
 * }</pre>
 *
 * @param <K> the key type; keys are compared with {@code equals}
 */
public interface KeyedLimiter<K> {

  /**
   * The keyed limiter's name ({@link LimiterConfig#name()}; a key's limiter is named
   * {@code name:key}). One written outside meter that does not name itself is called by its class's
   * simple name.
   */
  default String name() {
    return getClass().getSimpleName();
  }

  /**
   * The limit for a run whose items map to keys by {@code keyOf}. The function is called when an
   * item asks to start and again when its task settles, so it must give equal keys for the same item
   * both times; a null key fails the item's start.
   */
  <T> Limiter by(Function<? super T, ? extends K> keyOf);

  /** Pauses the one key; see {@link SharedLimiter#pauseFor(Duration)}. */
  void pauseFor(K key, Duration duration);

  /** How many keys have a limiter now (those in use, and idle ones not yet forgotten). */
  int size();

  /**
   * The limits in force for {@code key} now (an adaptive one's as it has adapted them); empty if the
   * key has no limiter now (never used, or forgotten: it starts from the configured limits).
   */
  Optional<Limits> limits(K key);

  /** The counters of every task that passed through any key, as of now. */
  MeterStats stats();
}
