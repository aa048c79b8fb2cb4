package dev.meter.api;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The result of one task: either the value it produced ({@link Success}) or the exception it failed
 * with ({@link Failure}). {@code runAllOutcomes} and {@code amapResults} yield one {@code Outcome} per
 * item instead of failing.
 *
 * <p>{@link #getOrThrow()} rethrows a failure as the original exception object, never wrapped. A
 * checked exception is rethrown as it is too, although {@code getOrThrow} does not declare it (the
 * "sneaky throw" that Kotlin and Lombok use): catch it as {@code Exception} or inspect
 * {@link #failureOrNull()} first.
 *
 * @param <T> the value's type
 */
public sealed interface Outcome<T extends @Nullable Object> permits Outcome.Success, Outcome.Failure {

  /** A task that completed with {@code value} (which may be null where {@code T} allows it). */
  record Success<T extends @Nullable Object>(T value) implements Outcome<T> {}

  /** A task that failed with {@code failure}, the exception exactly as the task raised it. */
  record Failure<T extends @Nullable Object>(Throwable failure) implements Outcome<T> {
    /** @throws NullPointerException if {@code failure} is null */
    public Failure {
      Objects.requireNonNull(failure, "failure");
    }
  }

  /** A successful outcome holding {@code value}. */
  static <T extends @Nullable Object> Outcome<T> success(T value) {
    return new Success<>(value);
  }

  /** A failed outcome holding {@code failure}. */
  static <T extends @Nullable Object> Outcome<T> failure(Throwable failure) {
    return new Failure<>(failure);
  }

  /**
   * Calls {@code body} and captures what it returns or throws. Fatal JVM errors
   * ({@link VirtualMachineError}) are not captured; an {@link InterruptedException} is captured and
   * the thread's interrupt status is set again.
   */
  static <T extends @Nullable Object> Outcome<T> capture(Callable<? extends T> body) {
    Objects.requireNonNull(body, "body");
    try {
      return success(body.call());
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable failure) {
      if (failure instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return failure(failure);
    }
  }

  /** Whether this is a {@link Success}. */
  default boolean isSuccess() {
    return this instanceof Success;
  }

  /** Whether this is a {@link Failure}. */
  default boolean isFailure() {
    return this instanceof Failure;
  }

  /**
   * The value, or the failure rethrown as the original exception (checked ones included, undeclared).
   */
  default T getOrThrow() {
    if (this instanceof Success<T> success) {
      return success.value();
    }
    throw Sneaky.<RuntimeException>rethrow(((Failure<T>) this).failure());
  }

  /** The value, or {@code fallback} for a failure. */
  default T getOrElse(T fallback) {
    return this instanceof Success<T> success ? success.value() : fallback;
  }

  /** The failure, or null for a success. */
  default @Nullable Throwable failureOrNull() {
    return this instanceof Failure<T> failure ? failure.failure() : null;
  }

  /**
   * Applies {@code mapper} to a success's value; a failure passes through unchanged. If the mapper
   * throws, the result is a failure holding what it threw.
   */
  default <U extends @Nullable Object> Outcome<U> map(Function<? super T, ? extends U> mapper) {
    Objects.requireNonNull(mapper, "mapper");
    if (this instanceof Success<T> success) {
      return capture(() -> mapper.apply(success.value()));
    }
    return failure(((Failure<T>) this).failure());
  }

  /** Applies {@code mapper} to a success's value and returns its outcome; a failure passes through. */
  default <U extends @Nullable Object> Outcome<U> flatMap(
      Function<? super T, ? extends Outcome<U>> mapper) {
    Objects.requireNonNull(mapper, "mapper");
    if (this instanceof Success<T> success) {
      return Objects.requireNonNull(mapper.apply(success.value()), "mapper returned null");
    }
    return failure(((Failure<T>) this).failure());
  }

  /** Turns a failure into a success with the value {@code recovery} computes from it. */
  default Outcome<T> recover(Function<? super Throwable, ? extends T> recovery) {
    Objects.requireNonNull(recovery, "recovery");
    if (this instanceof Failure<T> failure) {
      return capture(() -> recovery.apply(failure.failure()));
    }
    return this;
  }

  /** One of the two functions applied: {@code onSuccess} to the value, or {@code onFailure} to the failure. */
  default <U extends @Nullable Object> U fold(
      Function<? super T, ? extends U> onSuccess, Function<? super Throwable, ? extends U> onFailure) {
    Objects.requireNonNull(onSuccess, "onSuccess");
    Objects.requireNonNull(onFailure, "onFailure");
    if (this instanceof Success<T> success) {
      return onSuccess.apply(success.value());
    }
    return onFailure.apply(((Failure<T>) this).failure());
  }
}
