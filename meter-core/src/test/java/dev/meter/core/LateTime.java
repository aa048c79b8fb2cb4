package dev.meter.core;

import dev.meter.api.TimeSource;
import java.util.function.LongSupplier;

/** A time source whose callbacks run late by what {@code lateness} says, to test timer lateness in virtual time. */
final class LateTime implements TimeSource {
  private final TimeSource delegate;
  private final LongSupplier latenessNanos;

  LateTime(TimeSource delegate, LongSupplier latenessNanos) {
    this.delegate = delegate;
    this.latenessNanos = latenessNanos;
  }

  @Override
  public long read() {
    return delegate.read();
  }

  @Override
  public Scheduled schedule(Runnable callback, long delayNanos) {
    return delegate.schedule(callback, delayNanos + latenessNanos.getAsLong());
  }
}
