package dev.meter.benchmarks;

import java.util.Arrays;

/** What a run's start times say about a rate limit: how long they spanned, and how they bunched. */
final class StartTimes {
  private final long[] sorted;

  StartTimes(long[] starts) {
    if (starts.length == 0) {
      throw new IllegalArgumentException("starts must not be empty");
    }
    sorted = starts.clone();
    Arrays.sort(sorted);
  }

  /** Nanoseconds from the first start to the last. */
  long spanNanos() {
    return sorted[sorted.length - 1] - sorted[0];
  }

  /**
   * How long the first-to-last span should be at {@code rate} with bursts of {@code burst}: the first
   * {@code burst} start together, then one every {@code 1 / rate}.
   */
  static long idealSpanNanos(int starts, double rate, int burst) {
    return Math.round(Math.max(0, starts - burst) * 1e9 / rate);
  }

  /** The most starts in any window {@code [t, t + windowNanos)}. */
  int maxInWindow(long windowNanos) {
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("windowNanos must be > 0, but was " + windowNanos);
    }
    int most = 0;
    int first = 0;
    for (int last = 0; last < sorted.length; last++) {
      while (sorted[last] - sorted[first] >= windowNanos) {
        first++;
      }
      most = Math.max(most, last - first + 1);
    }
    return most;
  }

  /** The most starts a GCRA limit allows in any window of {@code windowNanos}: burst + ceil(w * rate). */
  static int envelope(long windowNanos, double rate, int burst) {
    return burst + (int) Math.ceil(windowNanos * rate / 1e9 - 1e-9);
  }
}
