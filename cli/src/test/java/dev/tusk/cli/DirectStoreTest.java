package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tusk.fsd.Daemon;
import dev.tusk.fsd.DaemonConfig;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code get file} and {@code put file} through the daemon's own chunk store ({@link DirectStore},
 * {@code TUSK_DIRECT_STORE=on}) against the same commands streaming bytes over gRPC ({@code off}):
 * the same bytes and the same content hashes either way, a fallback to streaming when the store
 * cannot be used, and nothing visible after a client is killed mid-upload.
 */
class DirectStoreTest extends DaemonTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> DIRECT = Map.of(DirectStore.ENV, "on");
  private static final Map<String, String> STREAMED = Map.of(DirectStore.ENV, "off");

  @TempDir Path local;

  @Test
  void directAndStreamedPutsGiveTheSameHashesAndGetsTheSameBytes() throws Exception {
    Path tree = local.resolve("tree");
    Map<String, byte[]> files = writeTree(tree, new Random(11));
    ok("create", "repo", "direct");
    ok("create", "repo", "streamed");

    run(DIRECT, "put", "file", "-r", "direct@master:/", "-f", tree.toString());
    run(STREAMED, "put", "file", "-r", "streamed@master:/", "-f", tree.toString());

    Map<String, String> direct = hashes("direct@master:**");
    Map<String, String> streamed = hashes("streamed@master:**");
    assertThat(direct).hasSize(files.size() + 1).isEqualTo(streamed); // + the directory /sub
    // Each file of its own size, and a few of the many small ones (each get is a whole command).
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      if (file.getKey().startsWith("sub/s") && !file.getKey().endsWith("0")) {
        continue;
      }
      for (String repo : List.of("direct", "streamed")) {
        String ref = repo + "@master:/" + file.getKey();
        assertThat(run(DIRECT, "get", "file", ref).stdout()).as("direct get of " + ref).isEqualTo(file.getValue());
        assertThat(run(STREAMED, "get", "file", ref).stdout()).as("streamed get of " + ref).isEqualTo(file.getValue());
      }
    }
  }

  @Test
  void aDirectGetWritesTheWholeFileToAPath() throws Exception {
    ok("create", "repo", "directget");
    byte[] data = randomBytes(9 << 20, 5);
    Path file = Files.write(local.resolve("big.bin"), data);
    run(STREAMED, "put", "file", "directget@master:/big.bin", "-f", file.toString());

    Path copy = local.resolve("copy.bin");
    Result get = run(DIRECT, "get", "file", "directget@master:/big.bin", "-o", copy.toString());

    assertThat(get.err()).isEmpty();
    assertThat(Files.readAllBytes(copy)).isEqualTo(data);
  }

  @Test
  void aDirectGetOfDamagedChunksFailsAndWritesNoneOfTheirBytes() throws Exception {
    ok("create", "repo", "damaged");
    Path file = Files.write(local.resolve("damaged.bin"), randomBytes(3 << 20, 17));
    Path chunks = dataDir.resolve("data").resolve("store").resolve("chunks");
    List<Path> before = chunkFiles(chunks);
    run(STREAMED, "put", "file", "damaged@master:/f.bin", "-f", file.toString());
    List<Path> added = new ArrayList<>(chunkFiles(chunks));
    added.removeAll(before);
    assertThat(added).isNotEmpty();
    for (Path chunk : added) {
      byte[] bytes = Files.readAllBytes(chunk);
      bytes[bytes.length / 2] ^= 1;
      chunk.toFile().setWritable(true);
      Files.write(chunk, bytes);
    }

    Result toStdout = runAllowingFailure(DIRECT, "get", "file", "damaged@master:/f.bin");
    Path copy = local.resolve("damaged-copy.bin");
    Result toFile = runAllowingFailure(DIRECT, "get", "file", "damaged@master:/f.bin", "-o", copy.toString());

    assertThat(toStdout.code()).isNotZero();
    assertThat(toStdout.stdout()).isEmpty();
    assertThat(toFile.code()).isNotZero();
    assertThat(copy).doesNotExist();
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static List<Path> chunkFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void aDirectGetOfADirectoryFailsAsTheDaemonSays() {
    ok("create", "repo", "directdir");
    tuskWithInput(new ByteArrayInputStream("x".getBytes()), "put", "file", "directdir@master:/d/f", "-f", "-");

    Result get = runAllowingFailure(DIRECT, "get", "file", "directdir@master:/d");

    assertThat(get.code()).isNotZero();
    assertThat(get.err()).contains("directory");
  }

  @Test
  void whenTheStoreCannotBeUsedAutoStreamsAndOnSaysWhy() throws Exception {
    Path tree = local.resolve("tree");
    Map<String, byte[]> files = writeTree(tree, new Random(3));
    // A daemon whose chunks live in its own memory: no client can open that store.
    try (Daemon memory = Daemon.start(new DaemonConfig(local.resolve("memdata"), "127.0.0.1:0", "mem://", null))) {
      String at = "127.0.0.1:" + memory.port();
      run(at, Map.of(), "create", "repo", "fallback");

      Result refused = runAt(at, DIRECT, "put", "file", "-r", "fallback@master:/", "-f", tree.toString());
      assertThat(refused.code()).isNotZero();
      assertThat(refused.err()).contains("Cannot use the daemon's chunk store directly").contains("mem://");

      run(at, Map.of(), "put", "file", "-r", "fallback@master:/", "-f", tree.toString());
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        if (file.getKey().startsWith("sub/s") && !file.getKey().endsWith("0")) {
          continue;
        }
        assertThat(run(at, Map.of(), "get", "file", "fallback@master:/" + file.getKey()).stdout())
            .isEqualTo(file.getValue());
      }
    }
  }

  @Test
  void aClientKilledDuringADirectPutLeavesNothingVisible() throws Exception {
    ok("create", "repo", "killed");
    Path tree = local.resolve("many");
    Files.createDirectories(tree);
    Random random = new Random(9);
    byte[] data = new byte[32 << 10];
    for (int i = 0; i < 4000; i++) {
      random.nextBytes(data);
      Files.write(tree.resolve(String.format("f%05d", i)), data);
    }
    Path chunks = dataDir.resolve("data").resolve("store").resolve("chunks");
    long before = countChunks(chunks);
    Process client = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"),
            Tusk.class.getName(),
            "--address", address, "put", "file", "-r", "killed@master:/many", "-f", tree.toString())
        .redirectErrorStream(true)
        .redirectOutput(local.resolve("client.log").toFile())
        .start();
    // Once the client has stored chunks of its own, it is mid-upload: kill it there.
    while (countChunks(chunks) == before && client.isAlive()) {
      Thread.sleep(5);
    }
    boolean aliveWhenKilled = client.isAlive();
    client.destroyForcibly();
    client.waitFor(30, TimeUnit.SECONDS);
    assertThat(aliveWhenKilled)
        .as("the client was still uploading when killed: " + Files.readString(local.resolve("client.log")))
        .isTrue();
    assertThat(countChunks(chunks)).as("the killed client stored chunks").isGreaterThan(before);

    assertThat(tusk("inspect", "file", "killed@master:/many").code()).isNotZero();
    assertThat(ok("list", "commit", "killed", "-o", "json").lines()).isEmpty();
    // The daemon is fine, and the same put works afterwards.
    run(DIRECT, "put", "file", "killed@master:/one.bin", "-f", tree.resolve("f00000").toString());
    assertThat(run(DIRECT, "get", "file", "killed@master:/one.bin").stdout())
        .isEqualTo(Files.readAllBytes(tree.resolve("f00000")));
  }

  /** Small files (packed into shared chunks), an empty one, and files of one and several chunks. */
  private static Map<String, byte[]> writeTree(Path tree, Random random) throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    int[] sizes = {0, 1, 100, 4096, 4096, 60_000, 131_072, 200_000, 1 << 20, 5 << 20};
    for (int i = 0; i < sizes.length; i++) {
      byte[] data = new byte[sizes[i]];
      random.nextBytes(data);
      files.put("f" + i, data);
    }
    files.put("sub/copy-of-f3", files.get("f3")); // identical bytes, identical hash
    for (int i = 0; i < 300; i++) {
      byte[] data = new byte[random.nextInt(8000)];
      random.nextBytes(data);
      files.put(String.format("sub/s%03d", i), data);
    }
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Path path = tree.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.write(path, file.getValue());
    }
    return files;
  }

  /** Path to hash of everything that matches a glob, with its size and type. */
  private static Map<String, String> hashes(String glob) throws Exception {
    Map<String, String> hashes = new LinkedHashMap<>();
    for (String line : ok("glob", "file", glob, "-o", "json").lines()) {
      JsonNode file = JSON.readTree(line);
      hashes.put(file.get("path").asText(),
          file.get("type").asText() + " " + file.get("size_bytes").asLong() + " " + file.get("hash").asText());
    }
    return hashes;
  }

  /**
   * Finished chunk files under {@code dir}: not the temporary files of writes in flight, nor the
   * direct-I/O probe that opening the store writes and deletes again.
   */
  private static long countChunks(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().contains("~")).count();
    }
  }

  private static Result run(Map<String, String> env, String... args) {
    return run(address, env, args);
  }

  private static Result run(String at, Map<String, String> env, String... args) {
    Result result = runAt(at, env, args);
    if (result.code() != 0) {
      throw new AssertionError("tusk " + String.join(" ", args) + " " + env + " exited with "
          + result.code() + ": " + result.err());
    }
    return result;
  }

  private static Result runAllowingFailure(Map<String, String> env, String... args) {
    return runAt(address, env, args);
  }

  private static Result runAt(String at, Map<String, String> env, String... args) {
    List<String> line = new ArrayList<>(List.of("--address", at));
    line.addAll(List.of(args));
    return DaemonTestSupport.run(new ByteArrayInputStream(new byte[0]), false, env, line.toArray(String[]::new));
  }
}
