package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meter.api.Amap;
import dev.meter.api.AsyncCall;
import dev.meter.api.ItemResult;
import dev.meter.api.Outcome;
import dev.meter.api.RunOptions;
import dev.meter.api.Source;
import dev.meter.testing.VirtualTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's examples, as written there (with local stand-ins for HTTP), so the README stays true. */
class ReadmeExamplesTest {
  private final RunOptions limits = RunOptions.builder().maxAtOnce(5).maxPerSecond(10_000).maxBurst(3).build();

  @Test
  void blocking_readsFilesOnTheExecutor(@TempDir Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      files.add(Files.writeString(dir.resolve(i + ".txt"), "file " + i));
    }
    List<String> read = new CopyOnWriteArrayList<>();

    Meter.with(limits).runOnEach(files, Meter.blocking(file -> read.add(Files.readString(file)))).join();

    assertThat(read).containsExactlyInAnyOrder("file 0", "file 1", "file 2");
  }

  @Test
  void runAll_runAny_amapOrdered_asInTheReadme() {
    List<String> pages = Meter.with(limits).runAll(
        () -> fetch("https://a.example"),
        () -> fetch("https://b.example")).join();
    assertThat(pages).containsExactly("page of https://a.example", "page of https://b.example");

    List<String> mirrors = List.of("m1", "m2", "m3");
    String file = Meter.withDefaults().runAny(mirrors.stream()
        .<AsyncCall<String>>map(mirror -> () -> fetch(mirror)).toList()).join();
    assertThat(mirrors).anySatisfy(mirror -> assertThat(file).isEqualTo("page of " + mirror));

    List<Integer> gallery = new ArrayList<>();
    try (Amap<Integer> thumbs = Meter.with(limits).amapOrdered(List.of(3, 1, 2), i -> CompletableFuture.completedFuture(i * 10))) {
      thumbs.forEach(gallery::add);
    }
    assertThat(gallery).containsExactly(30, 10, 20);
  }

  @Test
  void amapResults_perUrlReport_carriesEachUrlAndOutcome() {
    RunOptions report = RunOptions.builder().maxAtOnce(8).build();
    List<String> lines = new ArrayList<>();
    try (Amap<ItemResult<String, Integer>> statuses = Meter.with(report).amapResults(List.of("ok", "bad"), this::statusOf)) {
      for (ItemResult<String, Integer> status : statuses) {
        lines.add(status.outcome().fold(
            code -> status.item() + " -> " + code,
            failure -> status.item() + " failed: " + failure.getMessage()));
      }
    }
    assertThat(lines).containsExactlyInAnyOrder("ok -> 200", "bad failed: no route to bad");
  }

  @Test
  void source_stream_isReadLazilyAndClosed() {
    List<String> inserted = new CopyOnWriteArrayList<>();
    try (Amap<String> rows = Meter.with(limits).amap(Source.from(Stream.of("a,1", "b,2")), line -> {
      inserted.add(line);
      return CompletableFuture.completedFuture(line);
    })) {
      rows.forEach(row -> { });
    }
    assertThat(inserted).containsExactlyInAnyOrder("a,1", "b,2");
  }

  @Test
  void outcome_captureMapFold() {
    Outcome<Integer> parsed = Outcome.capture(() -> Integer.parseInt("21"));
    assertThat(parsed.getOrElse(0)).isEqualTo(21);
    assertThat(parsed.map(i -> i * 2).fold(String::valueOf, Throwable::getMessage)).isEqualTo("42");
    Outcome<Integer> broken = Outcome.capture(() -> Integer.parseInt("x"));
    assertThat(broken.getOrElse(0)).isZero();
  }

  @Test
  void virtualTime_hundredStartsAtOnePerSecond_takeNinetyNineVirtualSeconds() {
    VirtualTime time = VirtualTime.create();
    RunOptions options = RunOptions.builder()
        .maxPerSecond(1)
        .timeSource(time)
        .build();
    List<Long> startedAt = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> run = Meter.with(options).runOnEach(IntStream.range(0, 100).boxed().toList(), i -> {
      startedAt.add(time.read());
      return CompletableFuture.completedFuture(i);
    });
    time.advance(Duration.ofSeconds(98));
    assertThat(run).isNotDone();

    time.advance(Duration.ofSeconds(1));

    assertThat(run).isCompleted();
    assertThat(startedAt).hasSize(100).last().isEqualTo(Duration.ofSeconds(99).toNanos());
  }

  private CompletableFuture<String> fetch(String url) {
    return CompletableFuture.completedFuture("page of " + url);
  }

  private CompletableFuture<Integer> statusOf(String url) {
    return url.equals("bad")
        ? CompletableFuture.failedFuture(new IOException("no route to " + url))
        : CompletableFuture.completedFuture(200);
  }
}
