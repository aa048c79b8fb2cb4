package dev.meter.redis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Redis for the model-checking test: the quota's slots in memory, answered at once on the calling
 * thread, the scripts' replies as the real ones give them (no rate, leases that never expire). Commands
 * of the scripts named to hold run only when {@link #answerHeld} is called, as a command sent from one
 * thread may reach Redis after one sent later from another.
 */
final class SlotsOnlyRedis implements QuotaCommands {
  private final int slots;
  private final Set<String> leases = new HashSet<>();
  private final Set<RedisScripts.Script> holding;
  private final List<Runnable> held = new ArrayList<>();

  SlotsOnlyRedis(int slots, RedisScripts.Script... holding) {
    this.slots = slots;
    this.holding = Set.of(holding);
  }

  /** Runs the commands held back, in the order they were sent, and answers them. */
  void answerHeld() {
    List<Runnable> due;
    synchronized (this) {
      due = List.copyOf(held);
      held.clear();
    }
    due.forEach(Runnable::run);
  }

  synchronized int leased() {
    return leases.size();
  }

  @Override
  public CompletionStage<List<Long>> run(RedisScripts.Script script, String... args) {
    if (script == RedisScripts.ACQUIRE) {
      return answer(script, () -> acquire(args[4]));
    }
    if (script == RedisScripts.RENEW) {
      return answer(script, () -> renew(Integer.parseInt(args[1]), List.of(args).subList(2, args.length)));
    }
    throw new UnsupportedOperationException(script.name());
  }

  @Override
  public CompletionStage<Long> runForNumber(RedisScripts.Script script, String... args) {
    if (script != RedisScripts.RELEASE && script != RedisScripts.REFUND) {
      throw new UnsupportedOperationException(script.name());
    }
    return answer(script, () -> remove(args[0]));
  }

  @Override
  public CompletionStage<String> ping() {
    return CompletableFuture.completedFuture("PONG");
  }

  private <V> CompletionStage<V> answer(RedisScripts.Script script, Supplier<V> command) {
    if (!holding.contains(script)) {
      return CompletableFuture.completedFuture(command.get());
    }
    CompletableFuture<V> answer = new CompletableFuture<>();
    synchronized (this) {
      held.add(() -> answer.complete(command.get()));
    }
    return answer;
  }

  private synchronized List<Long> acquire(String lease) {
    if (leases.size() >= slots) {
      return List.of(0L, -1L, -1L);
    }
    leases.add(lease);
    long room = slots - leases.size();
    return List.of(1L, 0L, -1L, -1L, room, room == 0 ? -1L : 0L);
  }

  /** As renew.lua: {renewed, taken again, lost, then the index of each id taken again}. */
  private synchronized List<Long> renew(int maxAtOnce, List<String> ids) {
    long renewed = 0;
    long lost = 0;
    List<Long> retaken = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      if (leases.contains(ids.get(i))) {
        renewed++;
      } else if (leases.size() < maxAtOnce) {
        leases.add(ids.get(i));
        retaken.add((long) i);
      } else {
        lost++;
      }
    }
    List<Long> reply = new ArrayList<>(List.of(renewed, (long) retaken.size(), lost));
    reply.addAll(retaken);
    return reply;
  }

  private synchronized long remove(String lease) {
    return leases.remove(lease) ? 1L : 0L;
  }
}
