package dev.meter.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The LLM batch against its embedded server, which enforces requests and tokens per minute with 429s. */
class LlmBatchExampleTest {
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  @Test
  void run_limitsUnderTheServers_everyPromptAnswered_withinTheServersEnvelope() throws IOException {
    // Given 40 prompts and client limits at 95% of the server's
    LlmBatchExample.Result result = LlmBatchExample.run(LlmBatchExample.Options.parse("--n", "40"), out);

    // Then every prompt was answered, none lost, and the server served no more than its limits allow
    assertThat(result.answered()).isEqualTo(40);
    assertThat(result.lost()).isZero();
    assertThat(result.server().served()).isEqualTo(40);
    double minutes = result.server().span().toNanos() / 60e9;
    assertThat(result.server().tokensServed())
        .isLessThanOrEqualTo((long) (LlmBatchExample.SERVER.tokenBurst() + LlmBatchExample.SERVER.tokensPerMinute() * minutes) + 1);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("40 answered, 0 lost");
  }

  @Test
  void run_overLimit_refusalsAreRetried_noPromptLost() throws IOException {
    // Given client limits twice the server's
    LlmBatchExample.Result result = LlmBatchExample.run(LlmBatchExample.Options.parse("--n", "60", "--over-limit"), out);

    // Then the server refused some, each was tried again after its Retry-After, and none was lost
    assertThat(result.server().refusedForRequests() + result.server().refusedForTokens()).isPositive();
    assertThat(result.retries()).isEqualTo(result.server().refusedForRequests() + result.server().refusedForTokens());
    assertThat(result.answered()).isEqualTo(60);
    assertThat(result.lost()).isZero();
    assertThat(result.server().served()).isEqualTo(60);
  }

  @Test
  void parse_badOptions_nameTheOptionAndValue() {
    assertThatThrownBy(() -> LlmBatchExample.Options.parse("--n", "0")).hasMessage("--n must be an integer >= 1, but was 0");
    assertThatThrownBy(() -> LlmBatchExample.Options.parse("--n")).hasMessage("--n needs a value");
    assertThatThrownBy(() -> LlmBatchExample.Options.parse("--fast")).hasMessageStartingWith("unknown option --fast");
  }
}
