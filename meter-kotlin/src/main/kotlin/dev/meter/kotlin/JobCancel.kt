package dev.meter.kotlin

import kotlinx.coroutines.Job

/**
 * Cancels this job through `Job.cancel(CancellationException?)` itself. A plain `job.cancel()`
 * compiles to a default-argument bridge that kotlinx-coroutines 1.11 declares on the interface and 1.10
 * does not, and a Kotlin 2.0 project runs meter-kotlin on 1.10 (1.11 needs a Kotlin 2.2 reader): there
 * it would throw `NoSuchMethodError`. meter-kotlin-compat's linkage test catches any such call.
 */
internal fun Job.cancelWithoutCause(): Unit = cancel(null)
