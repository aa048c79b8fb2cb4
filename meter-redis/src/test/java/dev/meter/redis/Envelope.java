package dev.meter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/** Checks grant times (microseconds, the server's clock) against a rate's envelope: burst + ceil(w * rate) in every window w. */
final class Envelope {
  private Envelope() {}

  static final long[] WINDOWS = {0, 1, 2_500, 5_000, 5_001, 20_000, 50_000, 100_000, 500_000, 1_000_000};

  static void check(Collection<Long> grantMicros, double perSecond, int burst) {
    List<Long> sorted = new ArrayList<>(grantMicros);
    Collections.sort(sorted);
    for (long window : WINDOWS) {
      int most = 0;
      int first = 0;
      for (int last = 0; last < sorted.size(); last++) {
        while (sorted.get(last) - sorted.get(first) > window) {
          first++;
        }
        most = Math.max(most, last - first + 1);
      }
      assertThat(most).as("most grants in a window of %d us", window)
          .isLessThanOrEqualTo(burst + (int) Math.ceil(window * perSecond / 1e6));
    }
  }
}
