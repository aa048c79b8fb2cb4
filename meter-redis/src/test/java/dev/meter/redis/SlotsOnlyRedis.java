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

  SlotsOnlyRedis(int slots) {
    this.slots = slots;
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
    return CompletableFuture.completedFuture(leases.remove(args[0]) ? 1L : 0L);
  }

  @Override
  public CompletionStage<String> ping() {
    return CompletableFuture.completedFuture("PONG");
  }
}
