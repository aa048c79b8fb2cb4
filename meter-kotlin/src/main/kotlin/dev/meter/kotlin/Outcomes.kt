package dev.meter.kotlin

import dev.meter.api.Outcome

/** This outcome as a Kotlin [Result]: a success's value, or the failure itself. */
public fun <T> Outcome<T>.asResult(): Result<T> = fold({ Result.success(it) }, { Result.failure(it) })

/** This result as a meter [Outcome]. */
public fun <T> Result<T>.asOutcome(): Outcome<T> = fold({ Outcome.success(it) }, { Outcome.failure(it) })

/** The value, or null if this outcome is a failure. */
public fun <T> Outcome<T>.getOrNull(): T? = if (isSuccess) getOrThrow() else null

/** Runs [action] with the value if this outcome is a success; returns this outcome. */
public inline fun <T> Outcome<T>.onSuccess(action: (T) -> Unit): Outcome<T> {
  if (isSuccess) {
    action(getOrThrow())
  }
  return this
}

/** Runs [action] with the failure if this outcome is a failure; returns this outcome. */
public inline fun <T> Outcome<T>.onFailure(action: (Throwable) -> Unit): Outcome<T> {
  val failure = failureOrNull()
  if (failure != null) {
    action(failure)
  }
  return this
}
