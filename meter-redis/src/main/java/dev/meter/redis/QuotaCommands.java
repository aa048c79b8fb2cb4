package dev.meter.redis;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * What a quota sends to Redis: its scripts, and a PING. {@link RedisScripts} sends them over Lettuce;
 * the model-checking test answers them from memory.
 */
interface QuotaCommands {

  /** Runs {@code script} with {@code args} on the quota's keys; the reply as a list of integers. */
  CompletionStage<List<Long>> run(RedisScripts.Script script, String... args);

  /** {@link #run} for a script whose reply is one integer. */
  CompletionStage<Long> runForNumber(RedisScripts.Script script, String... args);

  /** A PING: whether the server answers. */
  CompletionStage<String> ping();
}
