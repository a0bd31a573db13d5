package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of an ingest into the local backend: every file whose flush
 * returned reads back whole, and every chunk left visible has the bytes its id names. A child JVM
 * ingests in a loop and acknowledges each flushed file on stdout; this test kills it after a few.
 */
class KillMidIngestTest {
  private static final int ACKS_BEFORE_KILL = 4;

  @TempDir Path dir;

  @Test
  void aKilledIngestLosesNothingAcknowledgedAndLeavesNoWrongChunk() throws Exception {
    Path storeDir = dir.resolve("store");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                IngestUntilKilled.class.getName(),
                storeDir.toUri().toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<String> acks = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; acks.size() < ACKS_BEFORE_KILL && (line = out.readLine()) != null; ) {
        acks.add(line);
      }
    } finally {
      child.destroyForcibly(); // SIGKILL, while the next file is being written
      child.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(acks).hasSize(ACKS_BEFORE_KILL);

    try (ChunkStore store =
        new ChunkStore(ObjectStores.open(storeDir.toUri().toString()), ChunkStoreConfig.defaults())) {
      for (String ack : acks) {
        String[] fields = ack.split(" ");
        FileContent content = FileContentCodec.decode(Base64.getDecoder().decode(fields[1]));
        byte[] expected = IngestUntilKilled.file(Long.parseLong(fields[0]));
        assertThat(store.reader(content).stream().readAllBytes()).isEqualTo(expected);
      }
      ObjectStore objects = store.objects();
      try (Stream<String> keys = objects.list("chunks/")) {
        for (String key : keys.toList()) {
          String id = key.substring(key.lastIndexOf('/') + 1);
          assertThat(ChunkId.of(objects.get(key)).hex()).as(key).isEqualTo(id);
        }
      }
    }
  }

  /** The child: ingests seeded random files until killed, printing "seed content" per flush. */
  static final class IngestUntilKilled {
    static byte[] file(long seed) {
      byte[] data = new byte[(3 << 20) + (int) (seed * 7919 % 100_000)];
      new Random(seed).nextBytes(data);
      return data;
    }

    public static void main(String[] args) throws Exception {
      try (ChunkStore store = new ChunkStore(ObjectStores.open(args[0]), ChunkStoreConfig.defaults())) {
        for (long seed = 1; ; seed++) {
          ContentWriter writer = store.newWriter();
          CompletableFuture<FileContent> content =
              writer.write(new ByteArrayInputStream(file(seed)));
          writer.flush();
          String encoded = Base64.getEncoder().encodeToString(FileContentCodec.encode(content.join()));
          System.out.println(seed + " " + encoded);
          System.out.flush();
        }
      }
    }
  }
}
