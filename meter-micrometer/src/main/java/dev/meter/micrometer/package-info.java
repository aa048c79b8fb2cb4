/** meter's runs and limiters as Micrometer meters; the entry class is {@link dev.meter.micrometer.MicrometerMetrics}. */
@NullMarked
package dev.meter.micrometer;

import org.jspecify.annotations.NullMarked;
