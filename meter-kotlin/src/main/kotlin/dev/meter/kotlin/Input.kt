package dev.meter.kotlin

import dev.meter.api.AsyncTask
import dev.meter.api.Source
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.Flow

/**
 * Where a Kotlin run takes its items from, as the [Source] meter-core pulls lazily. A `Flow` becomes a
 * `Flow.Publisher` collected by a child coroutine of the run's scope ([collectedIn]: its context
 * elements apply, and the call ends only after it has), requested one item at a time by the engine. A
 * publisher cannot carry null, so a flow's items travel in a [Box].
 */
internal class Input<T> private constructor(
  private val open: (CoroutineScope) -> Source<*>,
  private val boxed: Boolean,
) {
  fun source(scope: CoroutineScope): Source<*> = open(scope)

  /** [task] as the engine's task over this input's raw items. */
  @Suppress("UNCHECKED_CAST")
  fun <R> task(starts: TaskStarts, task: suspend (T) -> R): AsyncTask<Any?, R> =
    // Unboxed items are the caller's own: the task takes them as they are, without a second suspend
    // lambda around it (one more continuation per task, for a cast that erasure makes a no-op anyway).
    if (boxed) starts.task { raw: Any? -> task((raw as Box<T>).value) } else starts.task(task as suspend (Any?) -> R)

  /** The item as the caller gave it. */
  @Suppress("UNCHECKED_CAST")
  fun item(raw: Any?): T = if (boxed) (raw as Box<T>).value else raw as T

  internal companion object {
    fun <T> of(items: Iterable<T>): Input<T> = Input({ Source.from(items) }, boxed = false)

    fun <T> of(items: Flow<T>): Input<T> = Input({ scope -> Source.from(items.collectedIn(scope)) }, boxed = true)
  }
}

/** One value, possibly null, where only non-null values may travel. */
internal class Box<out T>(val value: T)
