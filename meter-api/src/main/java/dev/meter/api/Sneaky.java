package dev.meter.api;

/** Rethrows any throwable without wrapping it, so callers see the task's own exception. */
final class Sneaky {
  private Sneaky() {}

  @SuppressWarnings("unchecked")
  static <E extends Throwable> E rethrow(Throwable failure) throws E {
    throw (E) failure;
  }
}
