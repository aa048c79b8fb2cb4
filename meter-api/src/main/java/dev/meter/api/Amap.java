package dev.meter.api;

import java.util.Iterator;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * The scoped results of an {@code amap} run: iterate it with a plain {@code for} loop (blocking), or
 * subscribe to {@link #asPublisher()} (one consumer, either way). Use it in try-with-resources:
 * {@link #close()} cancels whatever is still running and returns once it has settled, so no task
 * outlives the block.
 *
 * <pre>{@code
 * try (Amap<String> pages = Meter.with(options).amap(urls, url -> fetch(url))) {
 *   for (String page : pages) {
 *     save(page);
 *   }
 * }
 * }</pre>
 *
 * <p>The run starts when it is first iterated or subscribed to. Results pass through a bounded buffer
 * ({@link RunOptions#bufferSize()}): a consumer that stops taking them stops new starts once it is
 * full; the blocking iterator lets them resume once a quarter of the buffer is taken. A failure that
 * fails the run is thrown from the iterator's {@code hasNext}/{@code next} as the original exception
 * (checked ones undeclared, as {@link Outcome#getOrThrow()} does; {@link #forEachOrThrow} declares
 * one, to catch it by type). A thread
 * interrupted while it waits for the next result cancels the run, keeps its interrupt status and gets
 * a {@link java.util.concurrent.CancellationException}.
 *
 * @param <E> the element type: the task's result, or an {@link ItemResult} for the
 *     {@code ...Results} variants
 */
public interface Amap<E extends @Nullable Object> extends Iterable<E>, AutoCloseable {

  /**
   * Starts the run and returns its blocking iterator.
   *
   * @throws IllegalStateException if this run was already iterated or subscribed to, or is closed
   */
  @Override
  Iterator<E> iterator();

  /**
   * The results as a publisher for exactly one subscriber; subscribing starts the run, and cancelling
   * the subscription cancels it. A second subscriber (or one after {@link #iterator()}, or after
   * close) receives {@code onError(IllegalStateException)}.
   */
  Flow.Publisher<E> asPublisher();

  /**
   * Takes every result in turn, as a {@code for} loop over this does, and declares the checked
   * exception a task may fail with, so that code around it can catch that exception by its type:
   *
   * <pre>{@code
   * try (Amap<String> pages = meter.amap(urls, this::fetch)) {     // fetch's futures fail with IOException
   *   pages.forEachOrThrow(IOException.class, page -> save(page));  // save may throw IOException too
   * } catch (IOException e) {
   *   // a task (or save) failed: the run is cancelled and, leaving the block, closed
   * }
   * }</pre>
   *
   * <p>A {@code for} loop rethrows a task's failure as it is, checked ones undeclared (the iterator
   * cannot declare them), so {@code catch (IOException e)} around the loop does not compile; this
   * method changes nothing in what is thrown, only what is declared. A failure of another checked type
   * still comes out as itself, undeclared.
   *
   * @param failureType the checked exception the tasks (or {@code action}) may fail with
   * @param action what to do with each result; it may throw {@code X}, which ends the iteration
   * @throws X a task's failure of that type, or {@code action}'s
   * @throws NullPointerException if {@code failureType} or {@code action} is null
   */
  default <X extends Exception> void forEachOrThrow(Class<X> failureType, Action<? super E, ? extends X> action)
      throws X {
    java.util.Objects.requireNonNull(failureType, "failureType");
    java.util.Objects.requireNonNull(action, "action");
    for (E element : this) {
      action.accept(element);
    }
  }

  /**
   * What {@link #forEachOrThrow} does with each result: a consumer that may throw {@code X}.
   *
   * @param <E> the element type
   * @param <X> the checked exception it may throw
   */
  @FunctionalInterface
  interface Action<E extends @Nullable Object, X extends Exception> {
    /** Takes one result. */
    void accept(E element) throws X;
  }

  /**
   * Cancels the run if it is still going (running tasks are cancelled: stages cancelled, blocking
   * tasks interrupted; no more input is taken) and returns once every started task has settled.
   * Idempotent.
   */
  @Override
  void close();
}
