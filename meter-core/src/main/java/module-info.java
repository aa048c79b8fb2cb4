/**
 * meter's engine. Exports the entry class {@link dev.meter.core.Meter} and the virtual-time test
 * facility {@link dev.meter.testing.VirtualTime}; everything else is package-private.
 */
module dev.meter.core {
  requires transitive dev.meter.api;
  requires static transitive org.jspecify;

  exports dev.meter.core;
  exports dev.meter.testing;
}
