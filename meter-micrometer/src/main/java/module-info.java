/**
 * meter in Micrometer: {@link dev.meter.micrometer.MicrometerMetrics} turns a run's or a limiter's
 * tasks, and a limiter's state, into meters of a {@code MeterRegistry}.
 */
module dev.meter.micrometer {
  requires transitive dev.meter.api;
  requires transitive micrometer.core;
  requires static transitive org.jspecify;

  exports dev.meter.micrometer;
}
