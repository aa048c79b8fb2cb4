/**
 * meter's public types: the task functions callers pass, the immutable {@link dev.meter.api.RunOptions},
 * {@link dev.meter.api.Outcome}, the result handles and the {@link dev.meter.api.Limiter} SPI.
 */
module dev.meter.api {
  requires static transitive org.jspecify;

  exports dev.meter.api;
  exports dev.meter.api.internal to dev.meter.core;
}
