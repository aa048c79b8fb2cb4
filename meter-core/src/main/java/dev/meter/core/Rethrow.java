package dev.meter.core;

/** Throws a task's own exception unwrapped, checked ones included, as callers of a for loop expect. */
final class Rethrow {
  private Rethrow() {}

  @SuppressWarnings("unchecked")
  static <E extends Throwable> E unchecked(Throwable failure) throws E {
    throw (E) failure;
  }
}
