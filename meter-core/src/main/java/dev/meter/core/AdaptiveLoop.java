package dev.meter.core;

/**
 * The decrease-and-climb bookkeeping of one group of {@link Dial}s that a kind of refusal lowers
 * together: the rate with its burst (a 429), or {@code maxAtOnce} (a 503 for load). Each permit
 * remembers the loop's generation when it was granted; the first refusal of the current generation
 * cuts the dials by the ratio and starts a new one, so one burst of refusals cuts once; the cut
 * generation's later outcomes may cut further, to the share of them the service took. Successes
 * move the dials along their climb. Not thread-safe but for {@link #generation()}: the limiter's lock
 * guards it.
 */
final class AdaptiveLoop {
  /** A generation's outcomes needed before its share of refusals is trusted. */
  static final int SHARE_SAMPLE = 10;
  /** The deepest cut a generation's share of refusals makes: to half the peak. */
  static final double DEEPEST_SHARE_CUT = 0.5;

  private final Dial[] dials;
  private final double ratio;
  private final int recoverySuccesses;
  /** Raised by each cut; read without the lock when a permit is granted. */
  private volatile long generation;
  private long cutGeneration = -1;
  private int currentSucceeded;
  private int currentRefused;
  private int cutSucceeded;
  private int cutRefused;
  /** Successes since the last cut: where the dials are on their climb. */
  private long climbed;

  AdaptiveLoop(double ratio, int recoverySuccesses, Dial... dials) {
    this.dials = dials;
    this.ratio = ratio;
    this.recoverySuccesses = recoverySuccesses;
    levelOff();
  }

  long generation() {
    return generation;
  }

  /** The dials are where their climb levels off: from the start, or after limits set by hand. */
  void levelOff() {
    for (Dial dial : dials) {
      dial.levelOff(ratio);
    }
    climbed = recoverySuccesses;
  }

  /**
   * A refusal of a permit of generation {@code seen}.
   *
   * @return whether the dials came down
   */
  boolean refused(long seen) {
    if (seen == generation) {
      currentRefused++;
      cut();
      return true;
    }
    if (seen == cutGeneration) {
      cutRefused++;
      return cutToShare();
    }
    return false;  // granted before an earlier cut: it says nothing about these limits
  }

  /**
   * A success of a permit of generation {@code seen}; the dials climb unless {@code climbs} is false
   * (a dial another rule moves, or a success that says nothing of the limits: its task never waited).
   *
   * @return whether the dials came down (a success of the cut generation may settle its share)
   */
  boolean succeeded(long seen, boolean climbs) {
    if (seen == generation) {
      currentSucceeded++;
    } else if (seen == cutGeneration) {
      cutSucceeded++;
      if (cutToShare()) {
        return true;
      }
    }
    if (climbs) {
      double along = 1 - (double) ++climbed / recoverySuccesses;
      double curve = along * along * along;
      for (Dial dial : dials) {
        dial.climb(curve);
      }
    }
    return false;
  }

  /**
   * The first refusal of the current generation: the dials are cut by the ratio. Refused before the
   * climb got back to the last peak, the service's limit is below that peak: the next climb levels
   * off below where it was refused this time (CUBIC's "fast convergence"), so far above the service
   * each refusal takes the limits down by the ratio, not a fraction of it.
   */
  private void cut() {
    cutGeneration = generation;
    generation++;
    cutSucceeded = currentSucceeded;
    cutRefused = currentRefused;
    currentSucceeded = 0;
    currentRefused = 0;
    double peakShare = climbed < recoverySuccesses ? (1 + ratio) / 2 : 1;
    for (Dial dial : dials) {
      dial.cutBy(ratio, peakShare);
    }
    climbed = 0;
  }

  /**
   * If the service took a smaller share of the cut generation's outcomes than the ratio, the dials
   * come down to that share of their peak (at most halved), once it rests on enough outcomes: from
   * twice the service's limit that is most of the way in one step, where ratio after ratio would take
   * a refusal (and its Retry-After pause) each.
   */
  private boolean cutToShare() {
    int outcomes = cutSucceeded + cutRefused;
    if (outcomes < SHARE_SAMPLE) {
      return false;
    }
    double share = Math.max(DEEPEST_SHARE_CUT, cutSucceeded / (double) outcomes);
    boolean lowered = false;
    for (Dial dial : dials) {
      lowered |= dial.cutToShare(share);
    }
    if (lowered) {
      climbed = 0;
    }
    return lowered;
  }
}
