/**
 * The limiter SPI: {@link dev.meter.api.spi.Limiter}, what a custom limit implements to decide when a
 * task may start. Callers who only use meter's own limiters never need this package.
 */
@NullMarked
package dev.meter.api.spi;

import org.jspecify.annotations.NullMarked;
