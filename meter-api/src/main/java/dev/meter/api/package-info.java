/**
 * meter's API: what a caller types (the SPI custom limits implement is in {@code dev.meter.api.spi},
 * listeners and statistics in {@code dev.meter.api.event}). The engine lives in
 * {@code meter-core}; its entry class is {@code dev.meter.core.Meter}.
 *
 * <p>Everything here is non-null unless marked {@link org.jspecify.annotations.Nullable}; items and
 * results may be null where their type variable allows it.
 */
@NullMarked
package dev.meter.api;

import org.jspecify.annotations.NullMarked;
