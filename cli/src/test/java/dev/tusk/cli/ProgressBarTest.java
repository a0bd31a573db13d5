package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  private final StringWriter err = new StringWriter();

  private Io io(boolean terminal) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    return new Io(new ByteArrayInputStream(new byte[0]), out, new PrintWriter(out),
        new PrintWriter(err, true), terminal, Map.of(), Clock.systemUTC());
  }

  private static boolean timerRunning() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("tusk-progress") && t.isAlive());
  }

  @Test
  void rendersABarWithPercentageSizesAndRate() {
    String line = ProgressBar.render("put repo@master", 5L << 20, 10L << 20, 1.0);

    assertThat(line).isEqualTo(
        "put repo@master  [===============>              ]  50%  5.0MiB/10.0MiB  5.0MiB/s");
  }

  @Test
  void rendersBytesAndRateWhileTheTotalIsUnknown() {
    assertThat(ProgressBar.render("get f", 3L << 20, -1, 2.0)).isEqualTo("get f  3.0MiB  1.5MiB/s");
  }

  @Test
  void drawsNothingAndStartsNoTimerWhenNotATerminal() {
    try (ProgressBar bar = ProgressBar.start(io(false), "put", () -> 100L << 20, 200L << 20)) {
      assertThat(timerRunning()).isFalse();
    }

    assertThat(err.toString()).isEmpty();
  }

  @Test
  void drawsOnATerminalForALargeTransferAndEndsTheLine() throws Exception {
    try (ProgressBar bar = ProgressBar.start(io(true), "put", () -> 9L << 20, 20L << 20)) {
      long deadline = System.currentTimeMillis() + 10_000;
      while (err.toString().isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
    }

    assertThat(err.toString()).startsWith("\rput  [").contains("9.0MiB/20.0MiB").endsWith("\n");
  }
}
