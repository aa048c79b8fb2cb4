package dev.meter.core;

import dev.meter.api.AsyncTask;
import dev.meter.api.BlockingTask;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A blocking task dressed as an {@link AsyncTask}. The engine recognizes it and runs it on the run's
 * executor, interrupting it on cancellation; called directly, it runs on the default executor.
 */
record BlockingTaskAdapter<T extends @Nullable Object, R extends @Nullable Object>(BlockingTask<T, R> task)
    implements AsyncTask<T, R> {

  @Override
  public CompletionStage<R> apply(T item) {
    return InterruptibleJob.submit(() -> task.call(item), Defaults.blockingExecutor());
  }
}
