package dev.tusk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tusk.api.v1.CommitState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tusk mount} as a process: signals, {@code tusk unmount}, and a daemon that dies under it. */
class MountProcessIT {
  @TempDir Path temp;

  @BeforeAll
  static void requireFuse() {
    boolean ready = Files.exists(Path.of("/dev/fuse")) && Files.isExecutable(Path.of("/usr/bin/fusermount"));
    if (!ready && "true".equals(System.getenv("CI"))) {
      fail("FUSE is missing (/dev/fuse, fusermount from apt's fuse): bin/setup installs it");
    }
    assumeTrue(ready, "FUSE is not available here; under CI=true this fails instead");
  }

  /** Runs the CLI in a child JVM; its exit code. */
  private static int tusk(String... args) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(
        java, "-cp", System.getProperty("java.class.path"), "dev.tusk.cli.Tusk"));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return process.exitValue();
  }

  @Test
  void aKilledDaemonFailsReadsWithEioAndARestartedOneServesThemAgain() throws Exception {
    int port = DaemonProcess.freePort();
    Path data = temp.resolve("data");
    DaemonProcess daemon = DaemonProcess.start(data, port);
    daemon.client().createRepo("r", "", false);
    var upload = daemon.client().modifyFile("r", "master", "");
    upload.put("/a", "a".getBytes(StandardCharsets.UTF_8));
    upload.finish();

    try (MountProcess mount = MountProcess.start(temp.resolve("mnt"), port, "--refresh", "0.1")) {
      Path file = mount.dir.resolve("r@master/a");
      assertThat(Files.readString(file)).isEqualTo("a");
      daemon.kill();
      Thread.sleep(300); // past --refresh, so the mount must ask the daemon

      assertThatThrownBy(() -> Files.readString(file))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Input/output error");

      DaemonProcess restarted = DaemonProcess.start(data, port);
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
          try {
            assertThat(Files.readString(file)).isEqualTo("a");
            break;
          } catch (IOException e) {
            if (System.nanoTime() > deadline) {
              throw e;
            }
            Thread.sleep(200);
          }
        }
      } finally {
        restarted.close();
      }
    }
  }

  @Test
  void sigtermUnmountsAndFinishesTheCommitItWroteTo() throws Exception {
    int port = DaemonProcess.freePort();
    try (DaemonProcess daemon = DaemonProcess.start(temp.resolve("data"), port)) {
      daemon.client().createRepo("w", "", false);
      try (MountProcess mount = MountProcess.start(temp.resolve("mnt"), port, "--write")) {
        Files.createDirectories(mount.dir.resolve("w@master/dir"));
        Files.writeString(mount.dir.resolve("w@master/dir/f.txt"), "written");
        assertThat(daemon.client().inspectCommit("w@master", false).getState()).isEqualTo(CommitState.OPEN);

        assertThat(mount.terminate()).isNotEqualTo(-1);
        assertThat(mount.isMounted()).isFalse();
        assertThat(daemon.client().inspectCommit("w@master", false).getState()).isEqualTo(CommitState.FINISHED);
        assertThat(daemon.client().inspectFile("w@master:/dir/f.txt").getSizeBytes()).isEqualTo(7);
      }
    }
  }

  @Test
  void tuskUnmountEndsTheMountProcess() throws Exception {
    int port = DaemonProcess.freePort();
    try (DaemonProcess daemon = DaemonProcess.start(temp.resolve("data"), port);
        MountProcess mount = MountProcess.start(temp.resolve("mnt"), port)) {
      assertThat(tusk("unmount", mount.dir.toString())).isZero();
      assertThat(mount.waitForExit(60)).isTrue();
      assertThat(mount.isMounted()).isFalse();
      assertThat(tusk("unmount", mount.dir.toString())).isEqualTo(1);
    }
  }
}
