/** Helpers meter's own modules share; not API, exported to {@code dev.meter.core} only. */
@NullMarked
package dev.meter.api.internal;

import org.jspecify.annotations.NullMarked;
