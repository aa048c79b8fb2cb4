package dev.meter.core;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The sinks of the future-returning views: {@code runOnEach}, {@code runAll} and {@code runAny}. */
final class FutureSinks {
  private FutureSinks() {}

  /** runOnEach: results are not kept; the future completes when every task has settled. */
  static <T extends @Nullable Object, R extends @Nullable Object> Sink<T, R> discard(
      RunFuture<@Nullable Void> future) {
    return new Sink<>() {
      @Override
      public boolean onResult(long index, @Nullable T item, @Nullable R value, @Nullable Throwable failure, int attempts) {
        return true;
      }

      @Override
      public boolean keepsSuccesses() {
        return false;
      }

      @Override
      public void onFinish(@Nullable Throwable failure) {
        future.settle(null, failure);
      }
    };
  }

  /** runAll: every delivered result, mapped, in delivery order (the run delivers in input order). */
  static <T extends @Nullable Object, R extends @Nullable Object, E extends @Nullable Object> Sink<T, R> collect(
      RunFuture<List<E>> future, ResultShape<T, R, E> shape) {
    List<E> results = new ArrayList<>();
    return new Sink<>() {
      @Override
      public boolean onResult(long index, @Nullable T item, @Nullable R value, @Nullable Throwable failure, int attempts) {
        results.add(shape.of(index, item, value, failure, attempts));
        return true;
      }

      @Override
      public void onFinish(@Nullable Throwable failure) {
        future.settle(failure == null ? results : null, failure);
      }
    };
  }

  /** runAny: the first success stops the run; failures before it are the run's to report. */
  static <T extends @Nullable Object, R extends @Nullable Object> Sink<T, R> firstSuccess(RunFuture<R> future) {
    return new Sink<>() {
      private boolean found;
      private @Nullable R value;

      @Override
      public boolean onResult(long index, @Nullable T item, @Nullable R result, @Nullable Throwable failure, int attempts) {
        found = true;
        value = result;
        return false;
      }

      @Override
      public void onFinish(@Nullable Throwable failure) {
        if (found) {
          future.settle(value, null);
        } else if (failure != null) {
          future.settle(null, failure);
        } else {
          future.settle(null, new IllegalArgumentException("runAny needs at least one task, but calls was empty"));
        }
      }
    };
  }
}
