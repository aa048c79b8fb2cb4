package dev.meter.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Amap;
import dev.meter.api.Limits;
import dev.meter.api.Rate;
import dev.meter.api.RunOptions;
import dev.meter.core.Meter;
import dev.meter.testing.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A blocking {@code Amap} loop tested in virtual time with {@code VirtualTime.autoAdvance}, as aiometer's autojump clock does. */
class AmapVirtualTimeTest {

  @Test
  void amapLoop_underAutoAdvance_runsAtTheRateInVirtualTime() throws Exception {
    // Given 10 items at 2 at once and 1 start per second, each task taking 1.5 virtual seconds
    VirtualTime time = VirtualTime.create();
    Meter meter = Meter.with(RunOptions.builder().limits(Limits.of(2, Rate.perSecond(1))).timeSource(time).build());
    List<Long> startedAt = new ArrayList<>();

    // When a plain for loop takes the results
    List<Integer> results = time.autoAdvance(() -> {
      List<Integer> got = new ArrayList<>();
      try (Amap<Integer> amap = meter.amapOrdered(IntStream.range(0, 10).boxed().toList(), i -> {
        synchronized (startedAt) {
          startedAt.add(time.read());
        }
        return time.delay(Duration.ofMillis(1_500), i * 10);
      })) {
        for (int result : amap) {
          got.add(result);
        }
      }
      return got;
    });

    // Then every result came, one start per virtual second, and no real second was slept
    assertThat(results).containsExactly(0, 10, 20, 30, 40, 50, 60, 70, 80, 90);
    assertThat(startedAt).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(startedAt.get(i)).as("start %s", i).isEqualTo(i * 1_000_000_000L);
    }
    assertThat(time.read()).isEqualTo(10_500_000_000L);
  }
}
