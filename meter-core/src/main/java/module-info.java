/**
 * meter's engine. Exports the entry class {@link dev.meter.core.Meter}; everything else is
 * package-private. (Virtual time for tests is in the {@code meter-test} artifact.)
 */
module dev.meter.core {
  requires transitive dev.meter.api;
  requires static transitive org.jspecify;

  exports dev.meter.core;
}
