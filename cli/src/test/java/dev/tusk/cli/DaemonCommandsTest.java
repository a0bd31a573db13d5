package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tusk up} and {@code tusk down} with a real background daemon process. */
class DaemonCommandsTest {
  @TempDir Path dir;

  private DaemonTestSupport.Result tusk(String... args) {
    return DaemonTestSupport.run(new ByteArrayInputStream(new byte[0]), false, Map.of(), args);
  }

  /** Whether this machine can mount; under CI it must. */
  private static boolean fuse() {
    boolean ready = Files.exists(Path.of("/dev/fuse")) && Files.isExecutable(Path.of("/usr/bin/fusermount"));
    if (!ready && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("FUSE is missing (/dev/fuse, fusermount): bin/setup installs it");
    }
    return ready;
  }

  private static boolean mounted(Path dir) throws Exception {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .anyMatch(line -> line.split(" ")[4].equals(dir.toString()));
  }

  @Test
  void upStartsADaemonAndAMountAndDownStopsBoth() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String address = "127.0.0.1:" + port;
    String data = dir.resolve("data").toString();
    Path pfs = dir.resolve("pfs");
    String[] mount = fuse() ? new String[] {"--mount", pfs.toString()} : new String[] {"--no-mount"};
    try {
      DaemonTestSupport.Result up = tusk(concat(new String[] {"up", "--data", data, "--listen", address}, mount));
      assertThat(up.code()).as(up.err()).isZero();
      assertThat(up.out()).startsWith("tusk daemon started (pid ");
      assertThat(dir.resolve("data/daemon.pid")).exists();
      assertThat(dir.resolve("data/daemon.log")).exists();

      assertThat(tusk("--address", address, "create", "repo", "alive").code()).isZero();
      assertThat(tusk("--address", address, "put", "file", "alive@master:/f", "-f", "-").code()).isZero();
      if (fuse()) {
        assertThat(up.out()).contains("tusk mount started (pid ");
        assertThat(Files.exists(pfs.resolve("alive@master/f"))).isTrue();
      }
      DaemonTestSupport.Result again = tusk(concat(new String[] {"up", "--data", data, "--listen", address}, mount));
      assertThat(again.out()).startsWith("tusk daemon already running");
    } finally {
      DaemonTestSupport.Result down = tusk("down", "--data", data);
      assertThat(down.code()).as(down.err()).isZero();
    }
    assertThat(dir.resolve("data/daemon.pid")).doesNotExist();
    assertThat(dir.resolve("data/mount.pid")).doesNotExist();
    assertThat(mounted(pfs)).isFalse();
    assertThat(tusk("--address", address, "list", "repo").err()).contains("cannot reach the tusk daemon");
    assertThat(tusk("down", "--data", data).out()).startsWith("no tusk daemon running");
  }

  @Test
  void aDaemonThatCannotStartIsReportedWithItsLog() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();

      DaemonTestSupport.Result up = tusk("up", "--data", dir.resolve("d").toString(), "--listen", address,
          "--mount", dir.resolve("pfs").toString());

      assertThat(up.code()).isEqualTo(1);
      assertThat(up.err()).startsWith("tusk: the daemon exited with status").contains("daemon.log");
      assertThat(up.err().lines()).hasSize(1);
      assertThat(Files.exists(dir.resolve("d/daemon.pid"))).isFalse();
      assertThat(Files.exists(dir.resolve("d/mount.pid"))).isFalse();
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
