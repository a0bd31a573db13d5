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

  @Test
  void upStartsADaemonThatAnswersAndDownStopsIt() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String address = "127.0.0.1:" + port;
    String data = dir.resolve("data").toString();
    try {
      DaemonTestSupport.Result up = tusk("up", "--data", data, "--listen", address);
      assertThat(up.code()).as(up.err()).isZero();
      assertThat(up.out()).startsWith("tusk daemon started (pid ");
      assertThat(dir.resolve("data/daemon.pid")).exists();
      assertThat(dir.resolve("data/daemon.log")).exists();

      assertThat(tusk("--address", address, "create", "repo", "alive").code()).isZero();
      assertThat(tusk("up", "--data", data, "--listen", address).out()).startsWith("tusk daemon already running");
    } finally {
      DaemonTestSupport.Result down = tusk("down", "--data", data);
      assertThat(down.code()).as(down.err()).isZero();
    }
    assertThat(dir.resolve("data/daemon.pid")).doesNotExist();
    assertThat(tusk("--address", address, "list", "repo").err()).contains("cannot reach the tusk daemon");
    assertThat(tusk("down", "--data", data).out()).startsWith("no tusk daemon running");
  }

  @Test
  void aDaemonThatCannotStartIsReportedWithItsLog() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + taken.getLocalPort();

      DaemonTestSupport.Result up = tusk("up", "--data", dir.resolve("d").toString(), "--listen", address);

      assertThat(up.code()).isEqualTo(1);
      assertThat(up.err()).startsWith("tusk: the daemon exited with status").contains("daemon.log");
      assertThat(up.err().lines()).hasSize(1);
      assertThat(Files.exists(dir.resolve("d/daemon.pid"))).isFalse();
    }
  }
}
