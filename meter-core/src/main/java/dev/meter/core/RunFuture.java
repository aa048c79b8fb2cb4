package dev.meter.core;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** The future of a {@code runOnEach}, {@code runAll} or {@code runAny}: cancelling it cancels the run. */
final class RunFuture<V extends @Nullable Object> extends CompletableFuture<V> {
  private volatile @Nullable Run<?, ?> run;

  void attach(Run<?, ?> attached) {
    this.run = attached;
    if (isCancelled()) {
      attached.cancel();
    }
  }

  void settle(@Nullable V value, @Nullable Throwable failure) {
    if (failure == null) {
      complete(value);
    } else {
      completeExceptionally(failure);
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    Run<?, ?> attached = run;
    if (attached != null) {
      attached.cancel();
    }
    return cancelled;
  }
}
