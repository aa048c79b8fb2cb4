package dev.meter.redis;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Redis for the model-checking test: the quota's slots in memory, answered at once on the calling
 * thread, the acquire script's replies as the real one gives them (no rate, leases that never expire).
 */
final class SlotsOnlyRedis implements QuotaCommands {
  private final int slots;
  private final Set<String> leases = new HashSet<>();
  /** Releases held back until {@link #answerReleases}, as a release sent from one thread may reach Redis after an ask sent later from another. */
  private final boolean holdReleases;
  private final List<Runnable> heldReleases = new java.util.ArrayList<>();

  SlotsOnlyRedis(int slots) {
    this(slots, false);
  }

  SlotsOnlyRedis(int slots, boolean holdReleases) {
    this.slots = slots;
    this.holdReleases = holdReleases;
  }

  /** Runs the releases held back, and answers them. */
  void answerReleases() {
    List<Runnable> due;
    synchronized (this) {
      due = List.copyOf(heldReleases);
      heldReleases.clear();
    }
    due.forEach(Runnable::run);
  }

  synchronized int leased() {
    return leases.size();
  }

  @Override
  public synchronized CompletionStage<List<Long>> run(RedisScripts.Script script, String... args) {
    if (script != RedisScripts.ACQUIRE) {
      throw new UnsupportedOperationException(script.name());
    }
    if (leases.size() >= slots) {
      return CompletableFuture.completedFuture(List.of(0L, -1L, -1L));
    }
    leases.add(args[4]);
    long room = slots - leases.size();
    return CompletableFuture.completedFuture(List.of(1L, 0L, -1L, -1L, room, room == 0 ? -1L : 0L));
  }

  @Override
  public synchronized CompletionStage<Long> runForNumber(RedisScripts.Script script, String... args) {
    if (script != RedisScripts.RELEASE && script != RedisScripts.REFUND) {
      throw new UnsupportedOperationException(script.name());
    }
    if (holdReleases) {
      CompletableFuture<Long> answer = new CompletableFuture<>();
      heldReleases.add(() -> answer.complete(remove(args[0])));
      return answer;
    }
    return CompletableFuture.completedFuture(leases.remove(args[0]) ? 1L : 0L);
  }

  private synchronized long remove(String lease) {
    return leases.remove(lease) ? 1L : 0L;
  }

  @Override
  public CompletionStage<String> ping() {
    return CompletableFuture.completedFuture("PONG");
  }
}
