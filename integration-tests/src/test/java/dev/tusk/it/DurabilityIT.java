package dev.tusk.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tusk.api.FileUpload;
import dev.tusk.api.TuskClient;
import dev.tusk.api.TuskException;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CommitState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What was acknowledged survives kill -9 of the daemon; what was not is never half-visible. */
class DurabilityIT {
  @TempDir Path dir;

  private static String read(TuskClient client, String file) {
    try (var pieces = client.getFile(file, 0, 0)) {
      return pieces.map(b -> b.toString(StandardCharsets.UTF_8)).collect(Collectors.joining());
    }
  }

  @Test
  void acknowledgedCommitsSurviveSigkillAndHalfUploadsVanish() throws Exception {
    Path data = dir.resolve("data");
    int port = DaemonProcess.freePort();
    String openCommit;
    try (DaemonProcess daemon = DaemonProcess.start(data, port)) {
      TuskClient client = daemon.client();
      client.createRepo("r", "", false);
      for (int i = 0; i < 30; i++) {
        try (FileUpload upload = client.modifyFile("r", "master", "")) {
          upload.put("/f" + i, ByteString.copyFromUtf8("value " + i));
          upload.finish();
        }
      }
      openCommit = client.startCommit("r", "dev", "", "").getId();
      try (FileUpload upload = client.modifyFile("r", "dev", "")) {
        upload.put("/acknowledged", ByteString.copyFromUtf8("in the open commit"));
        upload.finish();
      }
      // An upload that never completes: its bytes reach the daemon, its commit never does.
      FileUpload abandoned = client.modifyFile("r", "master", "");
      byte[] big = new byte[8 << 20];
      new Random(1).nextBytes(big);
      abandoned.put("/half", ByteString.copyFrom(big));
      Thread.sleep(500);
      daemon.kill();
    }

    try (DaemonProcess daemon = DaemonProcess.start(data, port)) {
      TuskClient client = daemon.client();
      for (int i = 0; i < 30; i++) {
        assertThat(read(client, "r@master:/f" + i)).isEqualTo("value " + i);
      }
      assertThat(client.listCommit("r", "master", 0).count()).isEqualTo(30);
      assertThatThrownBy(() -> client.inspectFile("r@master:/half"))
          .isInstanceOf(TuskException.class)
          .hasMessageContaining("not found");
      CommitInfo recovered = client.inspectCommit("r@" + openCommit, false);
      assertThat(recovered.getState()).isEqualTo(CommitState.FINISHED);
      assertThat(read(client, "r@dev:/acknowledged")).isEqualTo("in the open commit");
    }
  }
}
