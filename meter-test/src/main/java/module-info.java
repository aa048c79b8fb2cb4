/**
 * meter's test support, a test-scoped dependency as {@code kotlinx-coroutines-test} is: the
 * {@link dev.meter.testing.VirtualTime} clock, which runs rate limits, waits and timeouts in virtual
 * time, and drives a blocking {@code Amap} loop through it.
 */
module dev.meter.testing {
  requires transitive dev.meter.api;
  requires static transitive org.jspecify;

  exports dev.meter.testing;
}
