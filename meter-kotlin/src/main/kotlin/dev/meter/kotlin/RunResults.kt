package dev.meter.kotlin

import dev.meter.core.Meter
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.FlowCollector
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.flowOn
import kotlinx.coroutines.flow.internal.FusibleFlow
import kotlinx.coroutines.supervisorScope
import java.util.concurrent.Flow as JdkFlow

/**
 * An amap's results as a cold flow: each collection starts one run ([start] builds it in the
 * collection's supervisor scope) and emits its results as the engine delivers them, `bufferSize` held
 * back in all ([feed]); when the collector stops early the run is cancelled, and the collection ends
 * only after its tasks and its source have ended.
 *
 * A `buffer(n)` right after it fuses, as it does after kotlinx's channel flows: the run's own buffer
 * becomes `n` results (two at least: one the engine holds, one asked for ahead; `BUFFERED` → 64),
 * with no channel added. Anything
 * else a buffer asks for (dropping on overflow, `conflate()`, `UNLIMITED`) or a `flowOn` gets the usual
 * channel after the run, which keeps its own buffer. `FusibleFlow` is marked internal to kotlinx, but it
 * has kept its one method since 1.3, and meter-kotlin-compat's linkage test resolves it on 1.10 too.
 */
@OptIn(InternalCoroutinesApi::class)
internal class RunResults<O>(
  private val settings: Settings,
  private val start: (runner: Meter, scope: CoroutineScope, workers: TaskStarts) -> Results<*, O>,
) : FusibleFlow<O> {

  override suspend fun collect(collector: FlowCollector<O>) {
    flow {
      supervisorScope {
        val options = settings.toRunOptions(this)
        // The results asked for ahead of the collector come off the run's buffer: bufferSize in all.
        val prefetch = prefetchOf(options.bufferSize())
        val pacer = StartPacer.of(options)
        val runner = Meter.with(options.pacedBy(pacer).toBuilder().bufferSize(maxOf(1, options.bufferSize() - prefetch)).build())
        withWorkers(pacer) { workers -> start(runner, this, workers).feed(prefetch) { emit(it) } }
      }
    }.collect(collector)
  }

  override fun fuse(context: CoroutineContext, capacity: Int, onBufferOverflow: BufferOverflow): Flow<O> {
    val plainBuffer = context == EmptyCoroutineContext && onBufferOverflow == BufferOverflow.SUSPEND
    return when {
      plainBuffer && capacity == OPTIONAL_CHANNEL -> this
      plainBuffer && capacity == Channel.BUFFERED -> RunResults(settings.withBufferSize(DEFAULT_CHANNEL_CAPACITY), start)
      plainBuffer && capacity in 0 until Channel.UNLIMITED -> RunResults(settings.withBufferSize(maxOf(1, capacity)), start)
      else -> {
        var flow: Flow<O> = Unfused(this)
        if (capacity != OPTIONAL_CHANNEL) flow = flow.buffer(capacity, onBufferOverflow)
        if (context != EmptyCoroutineContext) flow = flow.flowOn(context)
        flow
      }
    }
  }

  /** This flow hidden from fusion, so that the usual operators apply to it. */
  private class Unfused<O>(private val results: Flow<O>) : Flow<O> {
    override suspend fun collect(collector: FlowCollector<O>) = results.collect(collector)
  }

  private companion object {
    /**
     * The capacity `fuse` is given when no buffer was asked for (a `flowOn` alone): kotlinx's own
     * `Channel.OPTIONAL_CHANNEL`, which it keeps internal.
     */
    const val OPTIONAL_CHANNEL = -3

    /** What `Channel.BUFFERED` means unless a system property changes it. */
    const val DEFAULT_CHANNEL_CAPACITY = 64
  }
}

/** A run's publisher of results and what the collector gets for each. */
internal class Results<E, O>(private val publisher: JdkFlow.Publisher<E>, private val out: (E) -> O) {
  suspend fun feed(prefetch: Int, emit: suspend (O) -> Unit) = publisher.feed(prefetch) { emit(out(it)) }
}

internal fun <E, O> JdkFlow.Publisher<E>.mapped(out: (E) -> O): Results<E, O> = Results(this, out)
