package dev.tusk.mount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.s3.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A kernel mount over a daemon that keeps its chunks in a real s3proxy bucket. */
@ExtendWith(S3ProxyServer.Extension.class)
class MountS3IT {
  @TempDir Path temp;

  @BeforeAll
  static void requireFuse() {
    MountIT.requireFuse();
  }

  @Test
  void readsAndWritesGoStraightToTheBucket(S3ProxyServer s3) throws Exception {
    String url = s3.url(s3.createBucket(), "tusk");
    byte[] big = new byte[9 << 20];
    new Random(5).nextBytes(big);
    try (DaemonFixture daemon = new DaemonFixture(temp.resolve("data"), url);
        ChunkStore chunks = daemon.openChunks()) {
      daemon.put("s3", "master", Map.of("/big.bin", big, "/dir/small.txt", "small".getBytes()));
      Path mnt = Files.createDirectories(temp.resolve("mnt"));
      MountOptions options = new MountOptions(mnt, true, Set.of(), false, Duration.ofMillis(200));
      try (TuskMount mount = TuskMount.mount(daemon.channel, chunks, options)) {
        Path branch = mnt.resolve("s3@master");
        assertThat(Files.readAllBytes(branch.resolve("big.bin"))).isEqualTo(big);
        assertThat(Files.readString(branch.resolve("dir/small.txt"))).isEqualTo("small");

        Files.write(branch.resolve("copy.bin"), big);
        assertThat(Files.readAllBytes(branch.resolve("copy.bin"))).isEqualTo(big);
      }
      assertThat(daemon.client.inspectFile("s3@master:/copy.bin").getHash())
          .isEqualTo(daemon.client.inspectFile("s3@master:/big.bin").getHash());
    }
  }
}
