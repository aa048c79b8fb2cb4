package dev.meter.core;

import dev.meter.api.AsyncCall;
import dev.meter.api.AsyncTask;
import dev.meter.api.BlockingCall;
import dev.meter.api.BlockingTask;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.RunOptions;
import dev.meter.api.Runner;
import dev.meter.api.SharedLimiter;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * meter's entry class: run many tasks concurrently under limits.
 *
 * <pre>{@code
 * Runner meter = Meter.with(RunOptions.builder().maxAtOnce(5).maxPerSecond(10).maxBurst(3).build());
 *
 * List<String> pages = meter.runAll(calls).join();                  // every result, in order
 * try (Amap<String> done = meter.amap(urls, url -> fetch(url))) {   // results as they finish
 *   for (String page : done) { ... }
 * }
 * meter.runOnEach(rows, row -> write(row)).join();                  // just do them all
 * String fastest = meter.runAny(mirrors).join();                    // first success, rest cancelled
 * }</pre>
 *
 * <p>Tasks are asynchronous ({@link AsyncTask}, returning a {@link java.util.concurrent.CompletionStage});
 * blocking code is wrapped with {@link #blocking(BlockingTask)} and then runs on the run's executor.
 */
public final class Meter {
  private Meter() {}

  /**
   * A runner whose every run uses {@code options}.
   *
   * @throws NullPointerException if {@code options} is null
   */
  public static Runner with(RunOptions options) {
    return new MeterRunner(Objects.requireNonNull(options, "options"));
  }

  /**
   * A limiter to share between runs, threads and languages: its limits hold for all of them together,
   * and can be changed or paused while in use. Add it to runs with
   * {@link RunOptions.Builder#limiter(dev.meter.api.Limiter)}.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static SharedLimiter limiter(LimiterConfig config) {
    return new DefaultSharedLimiter(Objects.requireNonNull(config, "config"));
  }

  /**
   * One limiter per key, each with the limits of {@code config}, created on first use and forgotten
   * when idle. A run uses it through {@link KeyedLimiter#by(java.util.function.Function)}.
   *
   * @throws NullPointerException if {@code config} is null
   */
  public static <K> KeyedLimiter<K> keyedLimiter(LimiterConfig config) {
    return new DefaultKeyedLimiter<>(Objects.requireNonNull(config, "config"));
  }

  /** A runner with {@link RunOptions#defaults()}: no limits, fail-fast. */
  public static Runner withDefaults() {
    return new MeterRunner(RunOptions.defaults());
  }

  /**
   * Turns blocking code into a task. A run starts it on its executor ({@link RunOptions#executor()},
   * by default virtual threads on JDK 21+ or a bounded daemon pool) and interrupts it when the run is
   * cancelled or fails fast.
   *
   * @throws NullPointerException if {@code task} is null
   */
  public static <T extends @Nullable Object, R extends @Nullable Object> AsyncTask<T, R> blocking(
      BlockingTask<T, R> task) {
    return new BlockingTaskAdapter<>(Objects.requireNonNull(task, "task"));
  }

  /**
   * Turns a blocking call into an {@link AsyncCall} for {@code runAll} and {@code runAny}; see
   * {@link #blocking(BlockingTask)}.
   *
   * @throws NullPointerException if {@code call} is null
   */
  public static <R extends @Nullable Object> AsyncCall<R> blocking(BlockingCall<R> call) {
    return new BlockingCallAdapter<>(Objects.requireNonNull(call, "call"));
  }

  /** Whether blocking tasks run on virtual threads by default here (JDK 21 and later). */
  public static boolean defaultExecutorUsesVirtualThreads() {
    return Defaults.usesVirtualThreads();
  }
}
