package dev.meter.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic the comparison's verdicts rest on: a wrong window count would pass a limiter that bursts. */
class StartTimesTest {
  private static final long MS = 1_000_000;

  @Test
  void maxInWindow_countsStartsInHalfOpenWindows() {
    // Given starts at 0, 1, 2, 10 and 10.5 ms
    StartTimes times = new StartTimes(new long[] {10 * MS, 0, 2 * MS, 1 * MS, 10 * MS + MS / 2});
    // Then a 2 ms window holds 0 and 1 (2 is at its open end), or 10 and 10.5
    assertThat(times.maxInWindow(2 * MS)).isEqualTo(2);
    // And a window just over 2 ms holds 0, 1 and 2
    assertThat(times.maxInWindow(2 * MS + 1)).isEqualTo(3);
    assertThat(times.maxInWindow(20 * MS)).isEqualTo(5);
    assertThat(times.spanNanos()).isEqualTo(10 * MS + MS / 2);
  }

  @Test
  void maxInWindow_burstAtOneInstant_countsTheWholeBurst() {
    long[] starts = new long[100];
    assertThat(new StartTimes(starts).maxInWindow(1)).isEqualTo(100);
  }

  @Test
  void envelope_isBurstPlusCeilOfWindowTimesRate() {
    assertThat(StartTimes.envelope(10 * MS, 10_000, 1)).isEqualTo(101);
    assertThat(StartTimes.envelope(1 * MS, 10_000, 1)).isEqualTo(11);
    assertThat(StartTimes.envelope(100 * MS, 20, 1)).isEqualTo(3);
    assertThat(StartTimes.envelope(1 * MS, 100_000, 100)).isEqualTo(200);
    assertThat(StartTimes.envelope(MS / 3, 1_000, 1)).isEqualTo(2);
  }

  @Test
  void idealSpan_isTheStartsAfterTheBurstAtTheRate() {
    assertThat(StartTimes.idealSpanNanos(20_000, 10_000, 1)).isEqualTo(1_999_900_000L);
    assertThat(StartTimes.idealSpanNanos(200_000, 100_000, 100)).isEqualTo(1_999_000_000L);
    assertThat(StartTimes.idealSpanNanos(50, 20, 1)).isEqualTo(2_450_000_000L);
  }

  @Test
  void badInput_isRejectedWithTheValue() {
    assertThatThrownBy(() -> new StartTimes(new long[0])).hasMessage("starts must not be empty");
    assertThatThrownBy(() -> new StartTimes(new long[] {1}).maxInWindow(0))
        .hasMessage("windowNanos must be > 0, but was 0");
  }

  @Test
  void forkedResult_parsesWhatReportPrints() {
    assertThat(ForkedResult.parse("a=1 b=2.5  c=x")).isEqualTo(Map.of("a", "1", "b", "2.5", "c", "x"));
    assertThatThrownBy(() -> ForkedResult.parse("a=1 oops")).hasMessage("not key=value: oops");
  }
}
