package dev.tusk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Docker engine fixture against a real engine: what a container sees through a read-only bind
 * mount, and what comes back from it.
 */
@ExtendWith(DockerEngine.Extension.class)
class DockerEngineIT {
  private final DockerEngine engine;
  @TempDir Path dir;

  DockerEngineIT(DockerEngine engine) {
    this.engine = engine;
  }

  private static List<String> args(String... args) {
    return List.of(args);
  }

  private static List<String> concat(List<String> first, String... rest) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(rest));
    return all;
  }

  @Test
  void containerReadsTheExactBytesOfAReadOnlyBindMount() throws Exception {
    // Named like a mounted ref, as the FUSE test will bind it: MNT/images@master.
    Path source = Files.createDirectories(dir.resolve("images@master"));
    byte[] bytes = new byte[300_000];
    new Random(7).nextBytes(bytes);
    Files.write(source.resolve("x"), bytes);

    DockerEngine.Result result =
        engine.run(args("-v", source + ":/data:ro", DockerEngine.IMAGE, "cat", "/data/x"));

    assertThat(result.exitCode()).as("%s", result).isZero();
    assertThat(result.stdout()).isEqualTo(bytes);
  }

  @Test
  void writingToAReadOnlyBindMountFails() throws Exception {
    Files.writeString(dir.resolve("x"), "original");

    DockerEngine.Result result =
        engine.run(
            args(
                "-v",
                dir + ":/data:ro",
                DockerEngine.IMAGE,
                "sh",
                "-c",
                "echo changed > /data/x; echo new > /data/y"));

    assertThat(result.exitCode()).as("%s", result).isNotZero();
    assertThat(result.stderr()).contains("Read-only file system");
    assertThat(dir.resolve("x")).hasContent("original");
    assertThat(dir.resolve("y")).doesNotExist();
  }

  @Test
  void exitCodeStdoutAndStderrComeBack() throws Exception {
    DockerEngine.Result result =
        engine.run(args(DockerEngine.IMAGE, "sh", "-c", "echo out; echo err >&2; exit 3"));

    assertThat(result.exitCode()).as("%s", result).isEqualTo(3);
    assertThat(result.stdoutUtf8()).isEqualTo("out\n");
    assertThat(result.stderr()).isEqualTo("err\n");
  }

  @Test
  void readOnlyBindTakesPathsWithCommasAndColons() throws Exception {
    Path source = Files.createDirectories(dir.resolve("repo@v1, part:2"));
    Files.writeString(source.resolve("f"), "quoted");

    DockerEngine.Result result =
        engine.run(
            concat(
                DockerEngine.readOnlyBind(source, "/data"), DockerEngine.IMAGE, "cat", "/data/f"));

    assertThat(result.exitCode()).as("%s", result).isZero();
    assertThat(result.stdoutUtf8()).isEqualTo("quoted");
  }

  /**
   * A FUSE mount is made after the engine started; the engine must see such mounts, so it must not
   * run in a mount namespace of its own. A bind mount stands in for the FUSE mount here.
   */
  @Test
  void seesAMountMadeAfterTheEngineStarted() throws Exception {
    requireRoot();
    Path source = Files.createDirectories(dir.resolve("source"));
    Files.writeString(source.resolve("f"), "through the mount");
    Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
    command("mount", "--bind", source.toString(), mountPoint.toString());
    try {
      DockerEngine.Result result =
          engine.run(
              concat(
                  DockerEngine.readOnlyBind(mountPoint, "/data"),
                  DockerEngine.IMAGE,
                  "cat",
                  "/data/f"));

      assertThat(result.exitCode()).as("%s", result).isZero();
      assertThat(result.stdoutUtf8()).isEqualTo("through the mount");
    } finally {
      command("umount", mountPoint.toString());
    }
  }

  @Test
  void aContainerThatOutlivesItsTimeoutIsRemoved() throws Exception {
    assertThatThrownBy(
            () -> engine.run(Duration.ofSeconds(3), args(DockerEngine.IMAGE, "sleep", "600")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("did not finish within PT3S and was removed");

    DockerEngine.Result left =
        engine.docker(
            Duration.ofSeconds(30),
            args(
                "ps",
                "--all",
                "--quiet",
                "--filter",
                "ancestor=" + DockerEngine.IMAGE,
                "--filter",
                "name=tusk-it-" + ProcessHandle.current().pid() + "-"));
    assertThat(left.stdoutUtf8()).isEmpty();
  }

  @Test
  void aMissingImageFailsFastWithTheDaemonsLog() throws Exception {
    DockerEngine.Result result =
        engine.run(Duration.ofSeconds(30), args("tusk-test/no-such-image:0", "true"));

    assertThat(result.exitCode()).isEqualTo(125);
    assertThat(result.stderr()).contains("No such image");
    assertThat(result.toString()).contains("dockerd log");
  }

  private static void requireRoot() throws IOException {
    boolean root = Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    if (!root && System.getenv("CI") != null && !"false".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException("mount --bind needs root, which CI must have");
    }
    Assumptions.assumeTrue(root, "mount --bind needs root");
  }

  private static void command(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }
}
