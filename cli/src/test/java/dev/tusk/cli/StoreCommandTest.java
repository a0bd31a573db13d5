package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int tusk(String... args) {
    return Tusk.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void putThenGetReturnsTheSameBytes() throws Exception {
    byte[] data = new byte[3_000_000];
    new Random(1).nextBytes(data);
    Path file = Files.write(dir.resolve("data.bin"), data);
    Path small = Files.writeString(dir.resolve("small.txt"), "hello");

    assertThat(tusk("store", "put", "--data", dir.resolve("home").toString(), file.toString(), small.toString()))
        .isZero();
    String[] lines = out.toString().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).endsWith("  3000000  " + file);
    String hash = lines[0].substring(0, 64);

    Path copy = dir.resolve("copy.bin");
    assertThat(tusk("store", "get", "--data", dir.resolve("home").toString(), hash, "-o", copy.toString()))
        .isZero();
    assertThat(Files.readAllBytes(copy)).isEqualTo(data);
  }

  @Test
  void anUnknownHashIsOneClearErrorLine() {
    String unknown = "ab".repeat(32);
    assertThat(tusk("store", "get", "--data", dir.toString(), unknown)).isEqualTo(1);
    assertThat(err.toString()).isEqualTo("tusk: No stored file has content hash " + unknown + "\n");
  }

  @Test
  void aMalformedHashIsRefused() {
    assertThat(tusk("store", "get", "--data", dir.toString(), "../../etc/passwd")).isEqualTo(1);
    assertThat(err.toString()).contains("Invalid content hash '../../etc/passwd'");
  }

  @Test
  void aMissingFileIsRefusedBeforeAnythingIsStored() {
    assertThat(tusk("store", "put", "--data", dir.toString(), dir.resolve("nope").toString())).isEqualTo(1);
    assertThat(err.toString()).startsWith("tusk: no such file: ").contains("nope");
  }
}
