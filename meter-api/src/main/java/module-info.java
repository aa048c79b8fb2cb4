/**
 * meter's public types, in three packages: {@code dev.meter.api} (what callers type: the task
 * functions, {@link dev.meter.api.Limits}, {@link dev.meter.api.RunOptions}, {@link dev.meter.api.Outcome},
 * the result handles), {@code dev.meter.api.spi} (the {@link dev.meter.api.spi.Limiter} SPI that custom
 * limits implement) and {@code dev.meter.api.event} (listeners, events and statistics).
 */
module dev.meter.api {
  requires static transitive org.jspecify;
  requires transitive java.net.http;

  exports dev.meter.api;
  exports dev.meter.api.spi;
  exports dev.meter.api.event;
  exports dev.meter.api.internal to dev.meter.core;
}
