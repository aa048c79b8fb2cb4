package dev.meter.core;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded pool that creates a thread only when no idle one can take the job: four jobs at a time use
 * four threads, however high the bound. A plain {@link ThreadPoolExecutor} with a queue adds a thread per
 * job until it reaches its core size, idle threads or not; one with a hand-off queue refuses jobs at its
 * bound. This one hands a job to an idle thread, else to a new thread below the bound, else queues it.
 * Threads that stay idle for {@code keepAlive} end.
 */
final class OnDemandPool extends ThreadPoolExecutor {
  /** Jobs handed to the pool and not yet finished: compared with the threads to know if one is idle. */
  private final AtomicInteger submitted = new AtomicInteger();

  OnDemandPool(int maxThreads, long keepAliveSeconds, ThreadFactory threads) {
    super(0, maxThreads, keepAliveSeconds, TimeUnit.SECONDS, new GrowFirstQueue(), threads, QUEUE_AT_BOUND);
    ((GrowFirstQueue) getQueue()).pool = this;
  }

  @Override
  public void execute(Runnable command) {
    submitted.incrementAndGet();
    try {
      super.execute(command);
    } catch (RuntimeException | Error rejected) {
      submitted.decrementAndGet();
      throw rejected;
    }
  }

  @Override
  protected void afterExecute(Runnable job, Throwable thrown) {
    submitted.decrementAndGet();
  }

  /** Offers a job to the waiting threads first; refuses it (so the pool adds a thread) if none is idle. */
  private static final class GrowFirstQueue extends LinkedBlockingQueue<Runnable> {
    private static final long serialVersionUID = 1L;
    transient OnDemandPool pool;

    @Override
    public boolean offer(Runnable job) {
      OnDemandPool owner = pool;
      if (owner.submitted.get() <= owner.getPoolSize()) {
        return super.offer(job);  // a thread is idle and takes it from the queue
      }
      if (owner.getPoolSize() < owner.getMaximumPoolSize()) {
        return false;  // every thread is busy: the pool starts a new one for this job
      }
      return super.offer(job);
    }

    boolean enqueue(Runnable job) {
      return super.offer(job);
    }
  }

  /** At the bound, or racing past it, the job waits in the queue for the next free thread. */
  private static final RejectedExecutionHandler QUEUE_AT_BOUND = (job, executor) -> {
    if (executor.isShutdown() || !((GrowFirstQueue) executor.getQueue()).enqueue(job)) {
      throw new java.util.concurrent.RejectedExecutionException("pool is shut down");
    }
  };
}
