package dev.meter.core;

import java.lang.System.Logger;
import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link System.Logger} that keeps what is logged, put in {@link Faults#log} by a test for its duration. */
final class RecordingLogger implements Logger, AutoCloseable {
  /** One line logged. */
  record Entry(Level level, String message, @org.jspecify.annotations.Nullable Throwable thrown) {}

  final List<Entry> entries = new CopyOnWriteArrayList<>();
  private final Logger before;

  private RecordingLogger() {
    this.before = Faults.log;
  }

  static RecordingLogger install() {
    RecordingLogger recording = new RecordingLogger();
    Faults.log = recording;
    return recording;
  }

  List<Entry> at(Level level) {
    return entries.stream().filter(entry -> entry.level() == level).toList();
  }

  @Override
  public String getName() {
    return "dev.meter.core";
  }

  @Override
  public boolean isLoggable(Level level) {
    return true;
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
    entries.add(new Entry(level, message, thrown));
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String format, Object... params) {
    entries.add(new Entry(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params), null));
  }

  @Override
  public void close() {
    Faults.log = before;
  }
}
