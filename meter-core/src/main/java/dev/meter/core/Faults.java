package dev.meter.core;

import java.lang.System.Logger.Level;

/**
 * Where meter reports a fault in code it does not own (a listener, a limiter, a timer or its executor)
 * that it cannot hand back to a caller: through {@link System.Logger} (named "dev.meter.core"; the
 * JDK sends it to java.util.logging, or to whatever logging library the application plugs in), so
 * that nothing a user's code throws vanishes without a trace. Each fault is logged once, where it is
 * caught.
 */
final class Faults {
  /** The logger; a test puts its own in to read what was logged. */
  static volatile System.Logger log = System.getLogger("dev.meter.core");

  private Faults() {}

  /** A listener threw: the first time in a run at WARNING (with the stack), then at DEBUG. */
  static void listenerThrew(Object listener, String event, long index, Throwable thrown, boolean first) {
    log.log(first ? Level.WARNING : Level.DEBUG, "listener " + listener + " threw in " + event + " of item #" + index
        + (first ? " (ignored: a listener never breaks a run; further throws of this listener in this run are logged at DEBUG)"
            : " (ignored)"), thrown);
  }

  /** A limiter threw in one of its SPI methods. */
  static void limiterThrew(Object limiter, String method, String consequence, Throwable thrown) {
    log.log(Level.WARNING, "limiter " + limiter + " threw in " + method + ": " + consequence, thrown);
  }

  /** A timer callback threw, or could not be handed to its executor. */
  static void timerFault(String what, Throwable thrown) {
    log.log(Level.ERROR, what, thrown);
  }

  /** Anything else a user's code threw that meter carries on without. */
  static void ignored(String what, Throwable thrown) {
    log.log(Level.WARNING, what, thrown);
  }
}
