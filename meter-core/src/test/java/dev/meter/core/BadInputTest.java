package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.AsyncCall;
import dev.meter.api.AsyncTask;
import dev.meter.api.RunOptions;
import dev.meter.api.Runner;
import dev.meter.api.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad input gets a clear exception naming the parameter, before any task starts. */
class BadInputTest {
  private static final AtomicInteger STARTED = new AtomicInteger();
  private static final AsyncTask<Object, Object> TASK = item -> {
    STARTED.incrementAndGet();
    return CompletableFuture.completedFuture(item);
  };
  private static final List<Object> ITEMS = List.of(1, 2, 3);

  interface Call {
    void run() throws Exception;
  }

  static Stream<Arguments> badCalls() {
    Runner plain = Meter.withDefaults();
    List<AsyncCall<Object>> withNull = new ArrayList<>();
    withNull.add(() -> CompletableFuture.completedFuture(1));
    withNull.add(null);
    return Stream.of(
        bad("null options", () -> Meter.with((RunOptions) null), NullPointerException.class, "options"),
        bad("runOnEach null source", () -> plain.runOnEach((Iterable<Object>) null, TASK), NullPointerException.class, "source"),
        bad("runOnEach null task", () -> plain.runOnEach(ITEMS, null), NullPointerException.class, "task"),
        bad("amap null source", () -> plain.amap((Source<Object>) null, TASK), NullPointerException.class, "source"),
        bad("amap null task", () -> plain.amap(ITEMS, null), NullPointerException.class, "task"),
        bad("amapOrdered null task", () -> plain.amapOrdered(ITEMS, null), NullPointerException.class, "task"),
        bad("amapResults null source", () -> plain.amapResults((Iterable<Object>) null, TASK), NullPointerException.class, "source"),
        bad("Source.from null", () -> Source.from((Iterable<Object>) null), NullPointerException.class, "source"),
        bad("runAll null calls", () -> plain.runAll(null), NullPointerException.class, "calls"),
        bad("runAll null call", () -> plain.runAll(withNull), NullPointerException.class, "calls[1] must not be null"),
        bad("runAny empty", () -> plain.runAny(List.of()), IllegalArgumentException.class, "runAny needs at least one task, but calls was empty"),
        bad("blocking null", () -> Meter.blocking((dev.meter.api.BlockingTask<Object, Object>) null), NullPointerException.class, "task"),
        bad("ItemResult negative index", () -> new dev.meter.api.ItemResult<>(-1, "a", dev.meter.api.Outcome.success(1)), IllegalArgumentException.class, "index must be >= 0, but was -1"),
        bad("maxAtOnce 0", () -> RunOptions.builder().maxAtOnce(0), IllegalArgumentException.class, "maxAtOnce must be >= 1, but was 0"),
        bad("maxPerSecond NaN", () -> RunOptions.builder().maxPerSecond(Double.NaN), IllegalArgumentException.class, "maxPerSecond must be a finite number > 0, but was NaN"),
        bad("rate zero duration", () -> RunOptions.builder().rate(1, java.time.Duration.ZERO), IllegalArgumentException.class, "per must be a positive duration, but was PT0S"));
  }

  private static Arguments bad(String name, Call call, Class<? extends Throwable> type, String message) {
    return Arguments.of(name, call, type, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badCalls")
  void entryPoint_badInput_throwsClearlyBeforeAnyTaskStarts(String name, Call call, Class<? extends Throwable> type, String message) {
    int before = STARTED.get();
    assertThatThrownBy(call::run).isInstanceOf(type).hasMessageContaining(message);
    org.assertj.core.api.Assertions.assertThat(STARTED.get()).isEqualTo(before);
  }

  @Test
  void amap_afterClose_throwsIllegalState() {
    var amap = Meter.withDefaults().amap(ITEMS, TASK);
    amap.close();
    assertThatThrownBy(amap::iterator).isInstanceOf(IllegalStateException.class)
        .hasMessage("this amap is closed: it cannot be iterated or subscribed to any more");
  }
}
