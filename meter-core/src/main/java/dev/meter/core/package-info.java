/**
 * meter's engine and its one public entry class, {@link dev.meter.core.Meter}. Every other type here
 * is package-private: {@code runOnEach}, {@code amap}, {@code runAll} and {@code runAny} are views
 * over one run state machine ({@code Run}).
 */
@NullMarked
package dev.meter.core;

import org.jspecify.annotations.NullMarked;
