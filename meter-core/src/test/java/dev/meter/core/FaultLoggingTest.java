package dev.meter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meter.api.AdaptiveConfig;
import dev.meter.api.AdaptiveLimiter;
import dev.meter.api.KeyedLimiter;
import dev.meter.api.LimiterConfig;
import dev.meter.api.OverloadedException;
import dev.meter.api.RunOptions;
import dev.meter.api.TimeSource;
import dev.meter.api.event.MeterListener;
import dev.meter.api.event.TaskEvent;
import dev.meter.api.spi.Limiter;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** What users' code throws where meter cannot hand it back is logged once, with context, never lost. */
class FaultLoggingTest {

  @Test
  void listener_thatThrows_isLoggedOnceAtWarningWithContext_thenAtDebug() {
    // Given a run of three items whose listener throws on every start
    MeterListener broken = new MeterListener() {
      @Override
      public void onStarted(TaskEvent event) {
        throw new IllegalStateException("dashboard down");
      }

      @Override
      public String toString() {
        return "DashboardListener";
      }
    };
    try (RecordingLogger log = RecordingLogger.install()) {
      // When it runs
      Meter.with(RunOptions.builder().listener(broken).build())
          .runOnEach(List.of(1, 2, 3), CompletableFuture::completedFuture).join();

      // Then the run succeeded, the first throw was logged at WARNING with who, where and what, the others at DEBUG
      assertThat(log.at(Level.WARNING)).singleElement().satisfies(entry -> {
        assertThat(entry.message()).contains("listener DashboardListener threw in onStarted of item #");
        assertThat(entry.thrown()).hasMessage("dashboard down");
      });
      assertThat(log.at(Level.DEBUG)).hasSize(2);
    }
  }

  @Test
  void limiter_thatThrowsInRelease_isLoggedWithItsName_andTheRunFailsWithIt() {
    Limiter throwing = new PassingLimiter() {
      @Override
      public void release(Permit permit, long nowNanos) {
        throw new IllegalStateException("lost its books");
      }

      @Override
      public String toString() {
        return "BooksLimiter";
      }
    };
    try (RecordingLogger log = RecordingLogger.install()) {
      CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(throwing).build())
          .runOnEach(List.of(1), CompletableFuture::completedFuture);

      assertThatThrownBy(run::join).hasRootCauseMessage("lost its books");
      assertThat(log.at(Level.WARNING)).singleElement().satisfies(entry ->
          assertThat(entry.message()).startsWith("limiter BooksLimiter threw in release: the run fails with it"));
    }
  }

  @Test
  void refund_thatThrowsAfterALaterLimiterFaulted_isKeptSuppressed_andLogged() {
    // Given a first limiter whose refund throws, and a second whose tryAcquire throws
    Limiter badRefund = new PassingLimiter() {
      @Override
      public void refund(Permit permit, long nowNanos) {
        throw new IllegalStateException("refund broke");
      }
    };
    Limiter badAcquire = new PassingLimiter() {
      @Override
      public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
        throw new IllegalStateException("acquire broke");
      }
    };
    try (RecordingLogger log = RecordingLogger.install()) {
      CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(badRefund).limiter(badAcquire).build())
          .runOnEach(List.of(1), CompletableFuture::completedFuture);

      // Then the run fails with the first fault, the refund's kept with it, and both are logged
      assertThatThrownBy(run::join).rootCause().hasMessage("acquire broke")
          .satisfies(fault -> assertThat(fault.getSuppressed()).extracting(Throwable::getMessage).containsExactly("refund broke"));
      assertThat(log.at(Level.WARNING)).extracting(RecordingLogger.Entry::message)
          .anySatisfy(message -> assertThat(message).contains("threw in tryAcquire"))
          .anySatisfy(message -> assertThat(message).contains("threw in refund"));
    }
  }

  @Test
  void keyedLimiter_whoseTimerRefusesTheSweep_logsItWithItsName() {
    TimeSource refusing = new TimeSource() {
      @Override
      public long read() {
        return 0;
      }

      @Override
      public Scheduled schedule(Runnable callback, long delayNanos) {
        throw new RejectedExecutionException("timer shut down");
      }
    };
    KeyedLimiter<Integer> perKey = Meter.keyedLimiter(LimiterConfig.builder().name("per-host").maxAtOnce(1).timeSource(refusing).build());
    try (RecordingLogger log = RecordingLogger.install()) {
      Meter.with(RunOptions.builder().limiter(perKey.by((Integer i) -> i)).build())
          .runOnEach(List.of(1, 2, 3), CompletableFuture::completedFuture).join();

      assertThat(log.at(Level.ERROR)).singleElement().satisfies(entry ->
          assertThat(entry.message()).startsWith("keyed limiter per-host could not set its sweep timer"));
    }
  }

  @Test
  void adaptiveOnChange_thatThrows_isLogged_andTheTaskThatCausedTheChangeKeepsItsOutcome() {
    AdaptiveLimiter adaptive = Meter.adaptiveLimiter(AdaptiveConfig.builder(LimiterConfig.builder().name("api").maxAtOnce(4).build())
        .onChange(change -> {
          throw new IllegalStateException("observer broke");
        }).build());
    try (RecordingLogger log = RecordingLogger.install()) {
      CompletableFuture<Void> run = Meter.with(RunOptions.builder().limiter(adaptive).build())
          .runOnEach(List.of(1), item -> CompletableFuture.failedFuture(new OverloadedException("slow down")));

      assertThatThrownBy(run::join).hasRootCauseInstanceOf(OverloadedException.class);
      assertThat(adaptive.limits().maxAtOnce()).isLessThan(4);
      assertThat(log.at(Level.WARNING)).singleElement().satisfies(entry ->
          assertThat(entry.message()).startsWith("onChange of adaptive limiter api threw on "));
    }
  }

  @Test
  void signalAll_aWakeUpThatThrows_doesNotCostTheOthersTheirs() {
    SignalWaiters waiters = new SignalWaiters();
    AtomicInteger woken = new AtomicInteger();
    waiters.add(() -> {
      throw new IllegalStateException("wake-up broke");
    });
    waiters.add(woken::incrementAndGet);
    try (RecordingLogger log = RecordingLogger.install()) {
      waiters.signalAll();

      assertThat(woken).hasValue(1);
      assertThat(log.at(Level.WARNING)).singleElement().satisfies(entry -> assertThat(entry.thrown()).hasMessage("wake-up broke"));
    }
  }

  /** A limiter that lets everything through at once; the tests override the method that breaks. */
  private abstract static class PassingLimiter implements Limiter {
    @Override
    public Decision tryAcquire(@Nullable Object item, long nowNanos, long waitingSinceNanos) {
      return new Permit() {};
    }

    @Override
    public Registration awaitSignal(@Nullable Object item, Runnable wakeUp) {
      return () -> {};
    }

    @Override
    public void refund(Permit permit, long nowNanos) {}

    @Override
    public void release(Permit permit, long nowNanos) {}
  }
}
