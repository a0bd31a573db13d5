package dev.tusk.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tusk.api.FileUpload;
import dev.tusk.api.v1.CommitState;
import dev.tusk.chunkstore.ChunkStore;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real kernel mounts over a real daemon, checked with the tools people use on them. */
class MountIT {
  @TempDir Path temp;

  private DaemonFixture daemon;
  private ChunkStore chunks;
  private final List<TuskMount> mounts = new ArrayList<>();

  @BeforeAll
  static void requireFuse() {
    boolean ready = Files.exists(Path.of("/dev/fuse")) && onPath("fusermount");
    if (!ready && "true".equals(System.getenv("CI"))) {
      fail("FUSE is missing (/dev/fuse, fusermount from apt's fuse): bin/setup installs it");
    }
    assumeTrue(ready, "FUSE is not available here; under CI=true this fails instead");
  }

  private static boolean onPath(String command) {
    return Stream.of(System.getenv("PATH").split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
  }

  @BeforeEach
  void start() throws Exception {
    daemon = new DaemonFixture(temp.resolve("data"));
    chunks = daemon.openChunks();
  }

  @AfterEach
  void stop() throws Exception {
    for (TuskMount mount : mounts) {
      mount.close();
      TuskMount.unmount(mount.mountPoint()); // in case a test left it half-alive
    }
    chunks.close();
    daemon.close();
  }

  private Path mount(MountOptions options) throws IOException {
    Files.createDirectories(options.mountPoint());
    TuskMount mount = TuskMount.mount(daemon.channel, chunks, options);
    mounts.add(mount);
    return mount.mountPoint();
  }

  private MountOptions options(String name) {
    return new MountOptions(temp.resolve(name), false, Set.of(), false, Duration.ofMillis(200));
  }

  /** A tree of the shapes that trip tools up: nesting, empty files and dirs, odd names, big files. */
  private Path localTree() throws IOException {
    Path root = Files.createDirectories(temp.resolve("local"));
    Random random = new Random(7);
    for (int d = 0; d < 4; d++) {
      Path dir = Files.createDirectories(root.resolve("dir " + d).resolve("sub-" + d));
      for (int f = 0; f < 25; f++) {
        byte[] bytes = new byte[random.nextInt(20_000)];
        random.nextBytes(bytes);
        Files.write(dir.resolve("file-" + f + ".bin"), bytes);
      }
    }
    Files.write(root.resolve("empty"), new byte[0]);
    Files.writeString(root.resolve("naïve ünïcode.txt"), "ü\n");
    byte[] big = new byte[6 << 20];
    random.nextBytes(big);
    Files.write(root.resolve("big.bin"), big);
    Files.createDirectories(root.resolve("empty dir"));
    return root;
  }

  private void upload(Path local, String repo) throws IOException {
    daemon.client.createRepo(repo, "", true);
    try (FileUpload upload = daemon.client.modifyFile(repo, "master", "");
        Stream<Path> paths = Files.walk(local)) {
      for (Path path : paths.toList()) {
        String inner = "/" + local.relativize(path);
        if (Files.isDirectory(path)) {
          if (!path.equals(local)) {
            upload.makeDir(inner);
          }
        } else {
          upload.put(inner, Files.readAllBytes(path));
        }
      }
      upload.finish();
    }
  }

  private static String run(Path dir, String... command) throws Exception {
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
    return out;
  }

  private static String sh(Path dir, String script) throws Exception {
    return run(dir, "bash", "-c", "set -o pipefail; " + script);
  }

  @Test
  void findDuCpRsyncAndTarSeeTheSameTreeAsOnLocalDisk() throws Exception {
    Path local = localTree();
    upload(local, "tree");
    Path mnt = mount(options("mnt"));
    Path branch = mnt.resolve("tree@master");

    String listing = "find . -printf '%y %s %P\\n' | grep -v '^d' | LC_ALL=C sort; find . -type d -printf '%P\\n' | LC_ALL=C sort";
    assertThat(sh(branch, listing)).isEqualTo(sh(local, listing));
    String sizes = "find . -type f -print0 | xargs -0 du -b | LC_ALL=C sort -k2";
    assertThat(sh(branch, sizes)).isEqualTo(sh(local, sizes));

    Path copies = Files.createDirectories(temp.resolve("copies"));
    run(copies, "cp", "-r", branch.toString(), "cp");
    run(copies, "diff", "-r", local.toString(), "cp");
    if (onPath("rsync") || "true".equals(System.getenv("CI"))) {
      run(copies, "rsync", "-a", branch + "/", "rsync/");
      run(copies, "diff", "-r", local.toString(), "rsync");
    }
    Files.createDirectories(copies.resolve("tar"));
    sh(copies, "tar cf - -C '" + branch + "' . | tar xf - -C tar");
    run(copies, "diff", "-r", local.toString(), "tar");
    assertThat(sh(copies, "tar tf <(tar cf - -C '" + branch + "' .) | LC_ALL=C sort"))
        .isEqualTo(sh(copies, "tar tf <(tar cf - -C '" + local + "' .) | LC_ALL=C sort"));
  }

  @Test
  void concurrentReadersAtRandomOffsetsGetExactBytes() throws Exception {
    byte[] data = new byte[12 << 20];
    new Random(11).nextBytes(data);
    daemon.put("big", "master", java.util.Map.of("/data.bin", data));
    Path file = mount(options("mnt")).resolve("big@master/data.bin");

    ExecutorService readers = Executors.newFixedThreadPool(4);
    List<Future<?>> results = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      long seed = t;
      results.add(readers.submit(() -> {
        Random random = new Random(seed);
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
          for (int i = 0; i < 100; i++) {
            int offset = random.nextInt(data.length);
            byte[] got = new byte[Math.min(data.length - offset, 1 + random.nextInt(300_000))];
            in.seek(offset);
            in.readFully(got);
            assertThat(got).isEqualTo(Arrays.copyOfRange(data, offset, offset + got.length));
          }
        }
        return null;
      }));
    }
    for (Future<?> result : results) {
      result.get(2, TimeUnit.MINUTES);
    }
    readers.shutdown();
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  @Test
  void aReadOnlyMountRefusesWrites() throws Exception {
    daemon.put("ro", "master", java.util.Map.of("/f", "f".getBytes(StandardCharsets.UTF_8)));
    Path mnt = mount(options("mnt"));
    assertThatThrownBy(() -> Files.writeString(mnt.resolve("ro@master/g"), "g"))
        .hasMessageContaining("Read-only file system");
  }

  @Test
  void writesThroughTheKernelBecomeOneCommitAtUnmount() throws Exception {
    Path local = localTree();
    daemon.put("w", "master", java.util.Map.of("/keep", "keep".getBytes(StandardCharsets.UTF_8)));
    Path mnt = mount(options("mnt").withWrite(true));
    Path branch = mnt.resolve("w@master");

    run(temp, "cp", "-r", local.toString(), branch.resolve("copy").toString());
    run(branch, "diff", "-r", local.toString(), "copy");
    sh(branch, "echo appended >> keep && mv copy/big.bin big.bin && rm -r 'copy/dir 0' && mkdir made");
    assertThat(Files.readString(branch.resolve("keep"))).isEqualTo("keepappended\n");
    assertThat(daemon.client.inspectCommit("w@master", false).getState()).isEqualTo(CommitState.OPEN);

    mounts.remove(0).close(); // unmount finishes the commit
    var head = daemon.client.inspectCommit("w@master", false);
    assertThat(head.getState()).isEqualTo(CommitState.FINISHED);
    assertThat(daemon.client.inspectFile("w@master:/big.bin").getSizeBytes()).isEqualTo(6 << 20);
    assertThat(daemon.client.listFile("w@master:/").map(f -> f.getPath()).toList())
        .containsExactly("/big.bin", "/copy", "/keep", "/made");
    assertThat(daemon.client.listFile("w@master:/copy").map(f -> f.getPath()).toList())
        .containsExactly("/copy/dir 1", "/copy/dir 2", "/copy/dir 3", "/copy/empty", "/copy/empty dir",
            "/copy/naïve ünïcode.txt");
  }

  @Test
  void allowOtherLetsOtherUsersReadAndOnlyThen() throws Exception {
    boolean root = System.getProperty("user.name").equals("root");
    if (!root && "true".equals(System.getenv("CI"))) {
      fail("acting as another user needs root, which CI has");
    }
    assumeTrue(root, "needs root to act as another user");
    daemon.put("shared", "master", java.util.Map.of("/f", "shared".getBytes(StandardCharsets.UTF_8)));
    // Another user must be able to walk to the mount points: not through the private temp dir.
    Path open = Files.createTempDirectory(Path.of("/tmp"), "tusk-open-",
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
    Path closed = Files.createTempDirectory(Path.of("/tmp"), "tusk-closed-",
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
    try {
      mount(new MountOptions(open, false, Set.of(), true, Duration.ofSeconds(1)));
      mount(new MountOptions(closed, false, Set.of(), false, Duration.ofSeconds(1)));
      String[] asNobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat"};

      assertThat(run(temp, concat(asNobody, open.resolve("shared@master/f").toString()))).isEqualTo("shared");
      Process refused = new ProcessBuilder(concat(asNobody, closed.resolve("shared@master/f").toString()))
          .redirectErrorStream(true).start();
      String out = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(refused.waitFor()).isNotZero();
      assertThat(out).contains("Permission denied");
    } finally {
      for (TuskMount mount : mounts) {
        mount.close();
      }
      mounts.clear();
      Files.deleteIfExists(open);
      Files.deleteIfExists(closed);
    }
  }

  private static String[] concat(String[] head, String last) {
    String[] all = Arrays.copyOf(head, head.length + 1);
    all[head.length] = last;
    return all;
  }

  @Test
  void unmountLeavesAnEmptyDirectory() throws Exception {
    daemon.put("u", "master", java.util.Map.of("/a", "a".getBytes(StandardCharsets.UTF_8)));
    Path mnt = mount(options("mnt"));
    assertThat(TuskMount.mountDevice(mnt)).isPresent();
    mounts.remove(0).close();
    assertThat(TuskMount.mountDevice(mnt)).isEmpty();
    try (Stream<Path> left = Files.list(mnt)) {
      assertThat(left).isEmpty();
    }
  }
}
