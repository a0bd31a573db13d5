package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Finding the daemon, and how failures to do so read; no daemon runs here. */
class ConnectionTest {
  private static DaemonTestSupport.Result tusk(Map<String, String> env, String... args) {
    return DaemonTestSupport.run(new ByteArrayInputStream(new byte[0]), false, env, args);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void anUnreachableDaemonIsOneLineNamingTheAddressAndTuskUp() throws Exception {
    String address = "127.0.0.1:" + freePort();

    DaemonTestSupport.Result result = tusk(Map.of(), "--address", address, "list", "repo");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).startsWith("tusk: cannot reach the tusk daemon at " + address)
        .contains("tusk up")
        .endsWith("\n");
    assertThat(result.err().lines()).hasSize(1);
  }

  @Test
  void theAddressComesFromTuskAddressWhenNotGiven() throws Exception {
    String address = "127.0.0.1:" + freePort();

    DaemonTestSupport.Result result = tusk(Map.of("TUSK_ADDRESS", address), "inspect", "repo", "x");

    assertThat(result.err()).contains("at " + address);
  }

  @Test
  void theAddressOptionWorksAfterTheSubcommandToo() throws Exception {
    String address = "127.0.0.1:" + freePort();

    DaemonTestSupport.Result result = tusk(Map.of(), "list", "repo", "--address", address);

    assertThat(result.err()).contains("at " + address);
  }

  @Test
  void aMalformedAddressIsRefused() {
    DaemonTestSupport.Result result = tusk(Map.of(), "--address", "nowhere", "list", "repo");

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).isEqualTo("tusk: Invalid address 'nowhere': expected HOST:PORT\n");
  }

  @Test
  void aVerbAloneIsAUsageErrorOnOneLine() {
    DaemonTestSupport.Result result = tusk(Map.of(), "list");

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).isEqualTo(
        "tusk: 'tusk list' needs one of: repo, branch, commit, file, pipeline, job, datum (see 'tusk list --help')\n");
  }

  @Test
  void anUnknownOptionIsAUsageErrorOnOneLine() {
    DaemonTestSupport.Result result = tusk(Map.of(), "list", "repo", "--bogus");

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("tusk: Unknown option: '--bogus' (see 'tusk list repo --help')\n");
  }
}
