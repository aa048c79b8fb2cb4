package dev.meter.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The {@code for}-loop view of an amap. The run hands each result over as it is delivered, and the
 * consuming thread takes them, parking while there is none.
 *
 * <p>Results handed over and not yet taken count against the run's buffer ({@link #untaken()}), so a
 * consumer that stops taking stops new starts exactly as the buffer says, yet the run's drain loop
 * does not run once per result (as it would for a request of one at a time): it is woken only when
 * it stopped for want of room and a quarter of the buffer has been taken since (as Reactor's
 * {@code limitRate} replenishes at 75%), or the results ran dry.
 * That wake-up cannot be lost: the run sets {@link #roomAwaited} (a volatile write) and then reads
 * {@link #taken} again; a consumer that finds no result fences after its last write of {@code taken}
 * and then reads {@code roomAwaited}, so one of the two sees the other's write. Between those points
 * the counters are published with release stores only, which cost no fence per result: a stale read
 * merely wakes the run a little early or a little late.
 */
final class BlockingIterator<E extends @Nullable Object> implements Iterator<E> {
  private static final Object NULL = new Object();

  /**
   * Results handed over and not yet taken, in chunks of {@link #CHUNK}: one producer (the run's drain
   * loop, one thread at a time) appends, one consumer takes, and {@link #handed} (a release store after
   * the append, an acquire read before the take) says how far the consumer may read. No CAS and no node
   * per result, which a concurrent queue costs twice per result.
   */
  private static final int CHUNK = 1024;

  private static final class Chunk {
    final Object[] slots = new Object[CHUNK];
    /** Written before the release store of {@code handed} that covers its first slot. */
    @Nullable Chunk next;
  }

  /** The producer's chunk and the next free slot in it. */
  private Chunk appendChunk = new Chunk();
  private int appendAt;
  /** The consumer's chunk and the next slot to take from it. */
  private Chunk takeChunk = appendChunk;
  private int takeAt;
  /** The consumer wakes a run waiting for room once no more than this many results are untaken. */
  private final long wakeAtUntaken;
  private volatile @Nullable Run<?, ?> run;
  private volatile boolean done;
  private volatile @Nullable Throwable failure;
  private volatile @Nullable Thread waiter;
  /** Results handed over; written by the run's drain loop only, with release stores. */
  private volatile long handed;
  /** Results taken; written by the consuming thread only, with release stores. */
  private volatile long taken;
  /** The run stopped starting tasks for want of room in its buffer. */
  private volatile boolean roomAwaited;
  private @Nullable Object next;

  BlockingIterator(long bufferSize) {
    this.wakeAtUntaken = bufferSize - Math.max(1, bufferSize / 4);
  }

  /** The run that feeds this iterator; set once, before it starts. */
  void attach(Run<?, ?> feeding) {
    this.run = feeding;
  }

  // ---- the run's side, from its drain loop ----

  void hand(E result) {
    if (appendAt == CHUNK) {
      Chunk fresh = new Chunk();
      appendChunk.next = fresh;
      appendChunk = fresh;
      appendAt = 0;
    }
    appendChunk.slots[appendAt++] = result == null ? NULL : result;
    HANDED.setRelease(this, (long) HANDED.getOpaque(this) + 1);  // only the drain loop writes it
    wakeConsumer();
  }

  /** The next result handed over, or null if every one handed over is taken. Consumer only. */
  private @Nullable Object poll() {
    long t = (long) TAKEN.getOpaque(this);
    if (t == handed) {  // the acquire read that makes the slots written before it visible
      return null;
    }
    if (takeAt == CHUNK) {
      Chunk following = takeChunk.next;
      takeChunk = following;
      takeAt = 0;
    }
    Object result = takeChunk.slots[takeAt];
    takeChunk.slots[takeAt++] = null;
    return result;
  }

  long untaken() {
    return handed - taken;
  }

  /** The run stops starting for want of room: the consumer wakes it (see the class comment). */
  void awaitRoom() {
    roomAwaited = true;
  }

  void finish(@Nullable Throwable thrown) {
    failure = thrown;
    done = true;
    wakeConsumer();
  }

  private void wakeConsumer() {
    Thread thread = waiter;
    if (thread != null) {
      LockSupport.unpark(thread);
    }
  }

  // ---- the consumer's side ----

  @Override
  public boolean hasNext() {
    if (next != null) {
      return true;
    }
    for (;;) {
      Object result = poll();
      if (result != null) {
        next = result;
        took();
        return true;
      }
      if (done) {
        // Results handed just before the run finished: the read of done above makes them visible.
        Object last = poll();
        if (last != null) {
          next = last;
          took();
          return true;
        }
        Throwable thrown = failure;
        if (thrown != null) {
          throw Rethrow.<RuntimeException>unchecked(thrown);
        }
        return false;
      }
      VarHandle.fullFence();  // the last write of taken before the read of roomAwaited: see the class comment
      if (roomAwaited) {
        wakeRun();  // it may start tasks on this thread, and hand their results over at once
        continue;
      }
      waiter = Thread.currentThread();
      if (handed == taken && !done && !roomAwaited) {
        LockSupport.park(this);
      }
      waiter = null;
      if (Thread.interrupted()) {
        Run<?, ?> feeding = run;
        if (feeding != null) {
          feeding.cancel();
        }
        Thread.currentThread().interrupt();
        throw new CancellationException("interrupted while waiting for the next result: the run was cancelled");
      }
    }
  }

  private void took() {
    long now = (long) TAKEN.getOpaque(this) + 1;  // only this thread writes it
    TAKEN.setRelease(this, now);
    if (roomAwaited && handed - now <= wakeAtUntaken) {
      wakeRun();
    }
  }

  private void wakeRun() {
    roomAwaited = false;
    Run<?, ?> feeding = run;
    if (feeding != null) {
      feeding.drain();
    }
  }

  private static final VarHandle HANDED;
  private static final VarHandle TAKEN;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      HANDED = lookup.findVarHandle(BlockingIterator.class, "handed", long.class);
      TAKEN = lookup.findVarHandle(BlockingIterator.class, "taken", long.class);
    } catch (ReflectiveOperationException impossible) {
      throw new ExceptionInInitializerError(impossible);
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public E next() {
    if (!hasNext()) {
      throw new NoSuchElementException("amap has no more results");
    }
    Object result = next;
    next = null;
    return result == NULL ? null : (E) result;
  }
}
