package dev.meter.kotlin

import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.coroutineContext
import kotlinx.coroutines.flow.asFlow
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test

/** Tasks run as children of the caller, in its context: its elements (an MDC, a trace id) reach them. */
class ContextTest {
  class TraceId(val id: String) : AbstractCoroutineContextElement(Key) {
    companion object Key : CoroutineContext.Key<TraceId>
  }

  @Test
  fun amapAndRunAll_tasksSeeTheCallersContextElements(): Unit = runBlocking {
    withContext(TraceId("req-42")) {
      val fromFlow = (1..3).asFlow().amap(maxAtOnce = 2) { coroutineContext[TraceId]?.id }.toList()
      val fromRunAll = runAll({ coroutineContext[TraceId]?.id })

      assertThat(fromFlow).containsOnly("req-42").hasSize(3)
      assertThat(fromRunAll).containsExactly("req-42")
    }
  }
}
