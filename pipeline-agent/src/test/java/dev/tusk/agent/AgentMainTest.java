package dev.tusk.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class AgentMainTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return AgentMain.run(args, new PrintStream(err, true));
  }

  @Test
  void aMissingFlagIsAUsageError() {
    assertThat(run("--daemon", "localhost:1")).isEqualTo(2);
    assertThat(err.toString()).contains("missing --pipeline", "usage:");
  }

  @Test
  void anUnknownFlagIsAUsageError() {
    assertThat(run("--daemon=localhost:1", "--color", "red")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown argument --color");
  }

  @Test
  void anUnknownRuntimeFailsBeforeConnecting() {
    assertThat(run("--daemon", "127.0.0.1:1", "--pipeline", "p", "--worker", "w", "--runtime", "nope",
        "--work-dir", "/nonexistent")).isEqualTo(1);
    assertThat(err.toString()).contains("Unknown container runtime \"nope\"");
  }
}
