package dev.meter.kotlin

import dev.meter.api.AsyncTask
import dev.meter.api.Source
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.Flow

/**
 * Where a Kotlin run takes its items from, as the [Source] meter-core pulls lazily. A `Flow` becomes a
 * `Flow.Publisher` collected by a child coroutine of the run's scope ([collectedIn]: its context
 * elements apply, and the call ends only after it has), requested one item at a time by the engine. A
 * publisher cannot carry null, so a flow's null items travel as [NullValue]; every other item as itself.
 */
internal class Input<T> private constructor(
  private val open: (CoroutineScope) -> Source<*>,
  private val mayHoldNulls: Boolean,
) {
  fun source(scope: CoroutineScope): Source<*> = open(scope)

  /** [task] as the engine's task over this input's raw items. */
  @Suppress("UNCHECKED_CAST")
  fun <R> task(starts: TaskStarts, task: suspend (T) -> R): AsyncTask<Any?, R> =
    // An Iterable's items are the caller's own: the task takes them as they are, without a second
    // suspend lambda around it (one more continuation per task, for a cast that erasure makes a no-op).
    if (mayHoldNulls) starts.task { raw: Any? -> task(raw.fromNullValue()) } else starts.task(task as suspend (Any?) -> R)

  /** The item as the caller gave it. */
  @Suppress("UNCHECKED_CAST")
  fun item(raw: Any?): T = if (mayHoldNulls) raw.fromNullValue() else raw as T

  internal companion object {
    fun <T> of(items: Iterable<T>): Input<T> = Input({ Source.from(items) }, mayHoldNulls = false)

    fun <T> of(items: Flow<T>): Input<T> = Input({ scope -> Source.from(items.collectedIn(scope)) }, mayHoldNulls = true)
  }
}

/**
 * Stands for null where only non-null values may travel (a publisher's items, an amap's results).
 * Every other value travels as itself, so that limiters keyed or weighted by item, and predicates on
 * outcomes, see the caller's own values: wrapped, they saw the wrapper (a keyed limiter over a flow
 * failed with a ClassCastException).
 */
internal object NullValue

/** This value, or [NullValue] for null. */
internal fun Any?.orNullValue(): Any = this ?: NullValue

/** The value [orNullValue] stood for. */
@Suppress("UNCHECKED_CAST")
internal fun <T> Any?.fromNullValue(): T = (if (this === NullValue) null else this) as T
