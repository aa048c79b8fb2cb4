package dev.meter.examples.readme;

import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.RunOptions;
import dev.meter.api.SharedLimiter;
import dev.meter.core.Meter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the README's Java snippets take as given: the names they use without declaring them (a
 * {@code fetch} method, a list of {@code urls}, a shared limiter {@code api}...), with local stand-ins
 * for the network. Each snippet is compiled as the body of a method of a subclass (see
 * {@link ReadmeSnippetsTest}), so it sees these as a method in the README's own class would.
 */
public class ReadmeContext {
  protected final HttpClient http = HttpClient.newHttpClient();
  protected final RunOptions limits = RunOptions.builder().maxAtOnce(5).maxPerSecond(10_000).maxBurst(3).build();
  protected final List<String> urls = List.of("https://a.example/1", "https://b.example/2", "https://c.example/3");
  protected final List<String> mirrors = List.of("https://m1.example", "https://m2.example");
  protected final List<String> images = List.of("cat.png", "dog.png");
  protected final List<String> userIds = List.of("u1", "u2", "u3");
  protected final List<String> orderIds = List.of("o1", "o2");
  protected final Gallery gallery = new Gallery();
  protected final Progress progress = new Progress();
  protected final String text = "21";
  protected final SharedLimiter api = Meter.limiter(LimiterConfig.builder().maxPerSecond(10_000).build());
  protected final KeyedLimiter<String> perHost =
      Meter.keyedLimiter(LimiterConfig.builder().maxAtOnce(2).maxPerSecond(10_000).build());
  protected final List<Path> files;
  protected final Path csv;
  /** An existing, empty file that snippets append pages to. */
  protected final Path archive;
  /** What the stand-ins were asked to do, for the snippets' checks. */
  protected final List<String> calls = new CopyOnWriteArrayList<>();

  protected ReadmeContext() {
    try {
      Path dir = Files.createTempDirectory("readme-snippet");
      List<Path> made = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        made.add(Files.writeString(dir.resolve("file-" + i + ".txt"), "file " + i));
      }
      files = List.copyOf(made);
      csv = Files.writeString(dir.resolve("rows.csv"), "a,1\nb,2\nc,3\n");
      archive = Files.writeString(dir.resolve("archive.txt"), "");
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
  }

  protected CompletableFuture<String> fetch(String url) {
    calls.add("fetch " + url);
    return CompletableFuture.completedFuture("page of " + url);
  }

  /** A service that refuses the first call for each URL with an IOException, and answers the next. */
  protected CompletableFuture<String> callService(String url) {
    calls.add("call " + url);
    if (calls.stream().filter(("call " + url)::equals).count() == 1) {
      return CompletableFuture.failedFuture(new java.io.IOException("connection reset by " + url));
    }
    return CompletableFuture.completedFuture("answer from " + url);
  }

  protected CompletableFuture<byte[]> download(String mirror) {
    calls.add("download " + mirror);
    return CompletableFuture.completedFuture(mirror.getBytes());
  }

  protected CompletableFuture<Thumbnail> renderAsync(String image) {
    return CompletableFuture.supplyAsync(() -> new Thumbnail(image));
  }

  protected CompletableFuture<Row> insertAsync(String line) {
    calls.add("insert " + line);
    return CompletableFuture.completedFuture(new Row(line));
  }

  protected CompletableFuture<Integer> statusOf(String url) {
    calls.add("status " + url);
    return CompletableFuture.completedFuture(url.length() % 2 == 0 ? 200 : 404);
  }

  protected CompletableFuture<Void> syncUser(String id) {
    calls.add("sync user " + id);
    return CompletableFuture.completedFuture(null);
  }

  protected CompletableFuture<Void> syncOrder(String id) {
    calls.add("sync order " + id);
    return CompletableFuture.completedFuture(null);
  }

  /** Blocking, as a synchronous client's call is. */
  protected int upload(String text) {
    calls.add("upload " + text);
    return 201;
  }

  protected void use(Object value) {
    calls.add("use " + value);
  }

  protected void log(Throwable failure) {
    calls.add("log " + failure);
  }

  public record Thumbnail(String image) {}

  public record Row(String line) {}

  public static final class Gallery {
    final List<Thumbnail> shown = new CopyOnWriteArrayList<>();

    public void append(Thumbnail thumbnail) {
      shown.add(thumbnail);
    }
  }

  public static final class Progress {
    final AtomicInteger steps = new AtomicInteger();

    public void step() {
      steps.incrementAndGet();
    }
  }
}
