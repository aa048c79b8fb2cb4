package dev.meter.examples;

/** The examples' command-line values, checked: a bad one is an exception naming the option and the value. */
final class Args {
  private Args() {}

  /** The value after option {@code args[i - 1]}. */
  static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  static int positiveInt(String option, String value) {
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= 1) {
        return parsed;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    throw new IllegalArgumentException(option + " must be an integer >= 1, but was " + value);
  }

  static double positiveDouble(String option, String value) {
    try {
      double parsed = Double.parseDouble(value);
      if (parsed > 0 && !Double.isInfinite(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    throw new IllegalArgumentException(option + " must be a finite number > 0, but was " + value);
  }
}
