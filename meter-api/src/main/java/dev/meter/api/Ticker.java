package dev.meter.api;

/**
 * The time source a run measures rates with: nanoseconds from an arbitrary origin, like
 * {@link System#nanoTime()}. Only differences between readings are meaningful. Tests pass a virtual
 * one ({@code dev.meter.testing.VirtualTime}) so that rate limits run without sleeping.
 */
@FunctionalInterface
public interface Ticker {
  /** The current reading in nanoseconds. */
  long read();

  /** The system's monotonic clock, {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
