package dev.meter.core;

import dev.meter.api.AsyncCall;
import dev.meter.api.BlockingCall;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/** A blocking call dressed as an {@link AsyncCall}; see {@link BlockingTaskAdapter}. */
record BlockingCallAdapter<R extends @Nullable Object>(BlockingCall<R> body) implements AsyncCall<R> {

  @Override
  public CompletionStage<R> call() {
    return InterruptibleJob.submit(body::call, Defaults.blockingExecutor());
  }
}
