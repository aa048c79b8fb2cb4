package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Rate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The GCRA contract on recorded start times: every window of length w holds at most burst + ceil(w * rate). */
final class RateEnvelope {
  private RateEnvelope() {}

  /** The most starts in any closed window of length {@code window}. */
  static int mostStartsInWindow(List<Long> starts, long window) {
    List<Long> sorted = new ArrayList<>(starts);
    Collections.sort(sorted);
    int most = 0;
    int first = 0;
    for (int last = 0; last < sorted.size(); last++) {
      while (sorted.get(last) - sorted.get(first) > window) {
        first++;
      }
      most = Math.max(most, last - first + 1);
    }
    return most;
  }

  /** Checks the envelope at windows from 1 ns to 1000 intervals, around the interval's edges too. */
  static void assertWithin(List<Long> starts, double perSecond, int burst) {
    long interval = Rate.perSecond(perSecond).intervalNanos();
    long[] windows = {1, interval / 2, interval - 1, interval, interval + 1, 3 * interval / 2, 10 * interval,
        100 * interval + interval / 3, 1000 * interval};
    for (long window : windows) {
      long allowed = burst + (long) Math.ceil(window * perSecond / 1e9);
      assertThat(mostStartsInWindow(starts, window))
          .as("most starts in a window of %d ns", window)
          .isLessThanOrEqualTo((int) allowed);
    }
  }
}
