/**
 * Virtual time for tests of rate-limited code: {@link dev.meter.testing.VirtualTime} is a clock and a
 * scheduler that move only when the test says so.
 */
@NullMarked
package dev.meter.testing;

import org.jspecify.annotations.NullMarked;
