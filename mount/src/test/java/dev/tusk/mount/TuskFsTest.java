package dev.tusk.mount;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.api.v1.BranchRef;
import dev.tusk.api.v1.CommitState;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.ObjectStores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/** The callbacks, called directly against a real daemon: no kernel mount. */
class TuskFsTest {
  @TempDir Path temp;

  private DaemonFixture daemon;
  private ChunkStore chunks;
  private TuskFs fs;
  private FuseCalls calls;

  @BeforeEach
  void start() throws Exception {
    daemon = new DaemonFixture(temp.resolve("data"));
    chunks = daemon.openChunks();
  }

  @AfterEach
  void stop() throws Exception {
    if (fs != null) {
      fs.finishCommits();
    }
    chunks.close();
    daemon.close();
  }

  private void mount(MountOptions options) throws Exception {
    Path staging = Files.createDirectories(temp.resolve("staging"));
    fs = new TuskFs(daemon.client, chunks, options, staging);
    calls = new FuseCalls(fs);
  }

  private MountOptions readOnly() {
    return new MountOptions(temp.resolve("mnt"), false, Set.of(), false, Duration.ZERO);
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theRootListsEveryBranchOfTheReposShown() throws Exception {
    daemon.put("images", "master", Map.of("/a", utf8("a")));
    daemon.put("images", "dev", Map.of("/b", utf8("b")));
    daemon.put("labels", "master", Map.of("/c", utf8("c")));
    mount(readOnly());
    assertThat(calls.readdir("/")).containsExactlyInAnyOrder("images@master", "images@dev", "labels@master");

    mount(readOnly().withRepos(Set.of("labels")));
    assertThat(calls.readdir("/")).containsExactly("labels@master");
    assertThat(calls.getattr("/images@master")).isEqualTo(-ErrorCodes.ENOENT());
  }

  @Test
  void filesReadBackExactlyAtAnyOffset() throws Exception {
    byte[] big = random(9 << 20, 1); // several chunks
    daemon.put("data", "master", Map.of("/dir/big.bin", big, "/small.txt", utf8("hello\n")));
    mount(readOnly());

    assertThat(calls.readAll("/data@master/dir/big.bin")).isEqualTo(big);
    assertThat(calls.readAll("/data@master/small.txt")).isEqualTo(utf8("hello\n"));
    FuseFileInfo fi = calls.open("/data@master/dir/big.bin", FuseCalls.O_RDONLY);
    Random random = new Random(2);
    for (int i = 0; i < 50; i++) {
      int offset = random.nextInt(big.length);
      int size = 1 + random.nextInt(200_000);
      byte[] expected = java.util.Arrays.copyOfRange(big, offset, Math.min(big.length, offset + size));
      assertThat(calls.read("/data@master/dir/big.bin", fi, offset, size)).isEqualTo(expected);
    }
    assertThat(calls.read("/data@master/dir/big.bin", fi, big.length + 10, 100)).isEmpty();
    calls.release("/data@master/dir/big.bin", fi);
  }

  @Test
  void statShowsSizesModesAndTheCommitTime() throws Exception {
    String id = daemon.put("data", "master", Map.of("/dir/f.txt", utf8("12345")));
    mount(readOnly());
    long finished = daemon.client.inspectCommit("data@" + id, false).getFinished().getSeconds();

    FileStat file = calls.stat("/data@master/dir/f.txt");
    assertThat(file.st_mode.intValue()).isEqualTo(FileStat.S_IFREG | 0444);
    assertThat(file.st_size.longValue()).isEqualTo(5);
    assertThat(file.st_blocks.longValue()).isEqualTo(1);
    assertThat(file.st_mtim.tv_sec.get()).isEqualTo(finished);
    FileStat dir = calls.stat("/data@master/dir");
    assertThat(dir.st_mode.intValue()).isEqualTo(FileStat.S_IFDIR | 0555);
    assertThat(calls.readdir("/data@master")).containsExactly("dir");
    assertThat(calls.readdir("/data@master/dir")).containsExactly("f.txt");
  }

  @Test
  void historyResolvesByCommitIdAndAncestry() throws Exception {
    String first = daemon.put("data", "master", Map.of("/f", utf8("one")));
    daemon.put("data", "master", Map.of("/f", utf8("two")));
    mount(readOnly());

    assertThat(calls.readAll("/data@master/f")).isEqualTo(utf8("two"));
    assertThat(calls.readAll("/data@master^1/f")).isEqualTo(utf8("one"));
    assertThat(calls.readAll("/data@master~1/f")).isEqualTo(utf8("one"));
    assertThat(calls.readAll("/data@" + first + "/f")).isEqualTo(utf8("one"));
    assertThat(calls.readdir("/")).containsExactly("data@master"); // history resolves on lookup only
  }

  @Test
  void aBranchFollowsNewCommitsWhileAnOpenFileKeepsItsSnapshot() throws Exception {
    daemon.put("data", "master", Map.of("/f", utf8("old bytes")));
    mount(readOnly());
    FuseFileInfo fi = calls.open("/data@master/f", FuseCalls.O_RDONLY);

    daemon.put("data", "master", Map.of("/f", utf8("new"), "/g", utf8("g")));

    assertThat(calls.readAll("/data@master/f")).isEqualTo(utf8("new"));
    assertThat(calls.readdir("/data@master")).containsExactly("f", "g");
    assertThat(calls.read("/data@master/f", fi, 0, 100)).isEqualTo(utf8("old bytes"));
    calls.release("/data@master/f", fi);
  }

  @Test
  void missingThingsAndWrongKindsGetTheirErrno() throws Exception {
    daemon.put("data", "master", Map.of("/dir/f", utf8("f")));
    mount(readOnly());

    assertThat(calls.getattr("/data@master/nope")).isEqualTo(-ErrorCodes.ENOENT());
    assertThat(calls.getattr("/nope@master")).isEqualTo(-ErrorCodes.ENOENT());
    assertThat(calls.getattr("/data@nobranch")).isEqualTo(-ErrorCodes.ENOENT());
    assertThat(calls.getattr("/data@" + "0".repeat(32))).isEqualTo(-ErrorCodes.ENOENT());
    assertThat(calls.getattr("/no-at-sign")).isEqualTo(-ErrorCodes.ENOENT());
    assertThat(calls.getattr("/data@master/dir/f/under-a-file")).isIn(-ErrorCodes.ENOENT(), -ErrorCodes.ENOTDIR());
    assertThat(calls.readdirErrno("/data@master/dir/f")).isEqualTo(-ErrorCodes.ENOTDIR());
    assertThat(calls.openErrno("/data@master/dir", FuseCalls.O_RDONLY)).isEqualTo(-ErrorCodes.EISDIR());
    // The kernel resolves ".." itself; the daemon refuses it outright.
    assertThat(calls.getattr("/data@master/../data@master/dir")).isEqualTo(-ErrorCodes.EINVAL());
  }

  @Test
  void aReadOnlyMountRefusesWritesWithErofs() throws Exception {
    daemon.put("data", "master", Map.of("/f", utf8("f")));
    mount(readOnly());

    assertThat(calls.openErrno("/data@master/f", FuseCalls.O_WRONLY)).isEqualTo(-ErrorCodes.EROFS());
    assertThat(fs.create("/data@master/new", 0644, FuseCalls.newFileInfo(FuseCalls.O_WRONLY)))
        .isEqualTo(-ErrorCodes.EROFS());
    assertThat(fs.mkdir("/data@master/d", 0755)).isEqualTo(-ErrorCodes.EROFS());
    assertThat(fs.unlink("/data@master/f")).isEqualTo(-ErrorCodes.EROFS());
    assertThat(fs.mkdir("/newrepo@master", 0755)).isEqualTo(-ErrorCodes.EROFS());
  }

  @Test
  void corruptChunksFailReadsWithEioAndNeverServeWrongBytes() throws Exception {
    byte[] data = random(300_000, 3);
    daemon.put("data", "master", Map.of("/f", data));
    mount(readOnly());
    FileInfo info = daemon.client.inspectFile("data@master:/f", true);
    ChunkId chunk = ChunkId.fromDigest(info.getData(0).getChunk().toByteArray());
    try (ObjectStore objects = ObjectStores.open(daemon.client.getStore())) {
      byte[] stored = objects.get(chunk.objectKey());
      stored[stored.length / 2] ^= 1;
      objects.put(chunk.objectKey(), stored);
    }

    FuseFileInfo fi = calls.open("/data@master/f", FuseCalls.O_RDONLY);
    assertThat(fs.read("/data@master/f", jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), 4096), 4096, 0, fi))
        .isEqualTo(-ErrorCodes.EIO());
    calls.release("/data@master/f", fi);
  }

  // ---- writes ----

  private MountOptions writable() {
    return readOnly().withWrite(true);
  }

  @Test
  void writesLandInAnOpenCommitAndAreVisibleAtOnce() throws Exception {
    daemon.put("data", "master", Map.of("/old", utf8("old")));
    mount(writable());

    calls.createFile("/data@master/dir/new.txt", utf8("fresh"));

    assertThat(calls.readAll("/data@master/dir/new.txt")).isEqualTo(utf8("fresh"));
    assertThat(calls.readdir("/data@master")).containsExactly("dir", "old");
    var head = daemon.client.inspectCommit("data@master", false);
    assertThat(head.getState()).isEqualTo(CommitState.OPEN);
    fs.finishCommits();
    head = daemon.client.inspectCommit("data@master", false);
    assertThat(head.getState()).isEqualTo(CommitState.FINISHED);
    assertThat(daemon.client.listFile("data@master:/dir").map(FileInfo::getPath).toList())
        .containsExactly("/dir/new.txt");
  }

  @Test
  void filesWrittenFrontToBackOrNotGetTheHashOfTheirBytes() throws Exception {
    byte[] big = random(5 << 20, 9);
    daemon.put("data", "master", Map.of("/reference", big));
    mount(writable());

    calls.createFile("/data@master/streamed", big); // chunked by the mount as it is written
    FuseFileInfo fi = FuseCalls.newFileInfo(FuseCalls.O_WRONLY);
    assertThat(fs.create("/data@master/backwards", 0644, fi)).isZero();
    int half = big.length / 2;
    calls.write("/data@master/backwards", fi, half, java.util.Arrays.copyOfRange(big, half, big.length));
    calls.write("/data@master/backwards", fi, 0, java.util.Arrays.copyOfRange(big, 0, half));
    calls.flush("/data@master/backwards", fi);
    calls.release("/data@master/backwards", fi);

    String expected = daemon.client.inspectFile("data@master:/reference").getHash();
    assertThat(daemon.client.inspectFile("data@master:/streamed").getHash()).isEqualTo(expected);
    assertThat(daemon.client.inspectFile("data@master:/backwards").getHash()).isEqualTo(expected);
    assertThat(calls.readAll("/data@master/streamed")).isEqualTo(big);
  }

  @Test
  void aFileFlushedWhileItIsWrittenStaysStreamedAndEachFlushSavesItsBytesSoFar() throws Exception {
    byte[] big = random(5 << 20, 14);
    int half = big.length / 2;
    daemon.put("data", "master", Map.of("/reference", big, "/half", java.util.Arrays.copyOf(big, half)));
    mount(writable());
    // As dd and a shell's > do: open, duplicate the descriptor and close the first (a flush of an
    // empty file), then write; and a flush half way.
    FuseFileInfo fi = FuseCalls.newFileInfo(FuseCalls.O_WRONLY);
    assertThat(fs.create("/data@master/f", 0644, fi)).isZero();
    calls.flush("/data@master/f", fi);
    assertThat(daemon.client.inspectFile("data@master:/f").getSizeBytes()).isZero();
    for (int at = 0; at < big.length; at += 128 << 10) {
      calls.write("/data@master/f", fi, at, java.util.Arrays.copyOfRange(big, at, at + (128 << 10)));
      if (at + (128 << 10) == half) {
        calls.flush("/data@master/f", fi);
        assertThat(daemon.client.inspectFile("data@master:/f").getHash())
            .isEqualTo(daemon.client.inspectFile("data@master:/half").getHash());
      }
    }
    try (var staged = Files.list(temp.resolve("staging"))) {
      assertThat(staged.mapToLong(f -> f.toFile().length()).sum()).as("bytes staged locally").isZero();
    }
    calls.flush("/data@master/f", fi);
    calls.release("/data@master/f", fi);

    assertThat(daemon.client.inspectFile("data@master:/f").getHash())
        .isEqualTo(daemon.client.inspectFile("data@master:/reference").getHash());
    assertThat(calls.readAll("/data@master/f")).isEqualTo(big);
  }

  @Test
  void aStreamedFileRewrittenAtAnEarlierOffsetKeepsEveryByte() throws Exception {
    byte[] expected = random(3 << 20, 11);
    daemon.put("data", "master", Map.of("/reference", expected));
    mount(writable());
    byte[] first = random(3 << 20, 12); // wrong bytes, streamed, then overwritten in the middle
    System.arraycopy(expected, 0, first, 0, 1 << 20);
    System.arraycopy(expected, 2 << 20, first, 2 << 20, 1 << 20);
    FuseFileInfo fi = FuseCalls.newFileInfo(FuseCalls.O_WRONLY);
    assertThat(fs.create("/data@master/f", 0644, fi)).isZero();
    for (int at = 0; at < first.length; at += 128 << 10) {
      calls.write("/data@master/f", fi, at, java.util.Arrays.copyOfRange(first, at, at + (128 << 10)));
    }
    calls.write("/data@master/f", fi, 1 << 20, java.util.Arrays.copyOfRange(expected, 1 << 20, 2 << 20));
    assertThat(calls.stat("/data@master/f").st_size.longValue()).isEqualTo(expected.length);
    calls.flush("/data@master/f", fi);
    calls.release("/data@master/f", fi);

    assertThat(calls.readAll("/data@master/f")).isEqualTo(expected);
    assertThat(daemon.client.inspectFile("data@master:/f").getHash())
        .isEqualTo(daemon.client.inspectFile("data@master:/reference").getHash());
  }

  @Test
  void aStreamedFileKeepsItsBytesThroughReadsFlushesAppendsAndTruncation() throws Exception {
    byte[] whole = random(2 << 20, 13);
    int half = whole.length / 2;
    daemon.client.createRepo("data", "", false);
    mount(writable());
    FuseFileInfo fi = FuseCalls.newFileInfo(FuseCalls.O_RDWR);
    assertThat(fs.create("/data@master/g", 0644, fi)).isZero();
    calls.write("/data@master/g", fi, 0, java.util.Arrays.copyOfRange(whole, 0, half));
    calls.flush("/data@master/g", fi); // uploaded as streamed content, then appended to
    assertThat(daemon.client.inspectFile("data@master:/g").getSizeBytes()).isEqualTo(half);
    calls.write("/data@master/g", fi, half, java.util.Arrays.copyOfRange(whole, half, whole.length));
    assertThat(calls.read("/data@master/g", fi, half - 10, 20))
        .isEqualTo(java.util.Arrays.copyOfRange(whole, half - 10, half + 10));
    calls.flush("/data@master/g", fi);
    assertThat(calls.readAll("/data@master/g")).isEqualTo(whole);

    assertThat(fs.ftruncate("/data@master/g", 0, fi)).isZero(); // empty again: streams afresh
    calls.write("/data@master/g", fi, 0, utf8("new"));
    assertThat(fs.ftruncate("/data@master/g", 2, fi)).isZero();
    calls.flush("/data@master/g", fi);
    calls.release("/data@master/g", fi);
    assertThat(calls.readAll("/data@master/g")).isEqualTo(utf8("ne"));
    fs.finishCommits();
    assertThat(daemon.client.inspectFile("data@master:/g").getSizeBytes()).isEqualTo(2);
  }

  @Test
  void theDaemonRefusesContentWhoseChunksAreNotStored() throws Exception {
    daemon.client.createRepo("data", "", false);
    var missing = dev.tusk.api.v1.DataRef.newBuilder()
        .setChunk(com.google.protobuf.ByteString.copyFrom(new byte[32]))
        .setLength(3)
        .build();
    try (var upload = daemon.client.modifyFile("data", "master", "")) {
      upload.putContent("/f", "0".repeat(64), 3, List.of(missing));
      org.assertj.core.api.Assertions.assertThatThrownBy(upload::finish)
          .isInstanceOfSatisfying(dev.tusk.api.TuskException.class,
              e -> assertThat(e.code()).isEqualTo(dev.tusk.api.ErrorCode.INVALID_ARGUMENT))
          .hasMessageContaining("is not in the store");
    }
  }

  @Test
  void aFileBeingWrittenShowsItsBytesBeforeItIsClosed() throws Exception {
    daemon.put("data", "master", Map.of("/old", utf8("old")));
    mount(writable());
    FuseFileInfo writer = FuseCalls.newFileInfo(FuseCalls.O_WRONLY);
    assertThat(fs.create("/data@master/growing", 0644, writer)).isZero();
    calls.write("/data@master/growing", writer, 0, utf8("abc"));

    assertThat(calls.stat("/data@master/growing").st_size.longValue()).isEqualTo(3);
    assertThat(calls.readdir("/data@master")).containsExactlyInAnyOrder("growing", "old");
    assertThat(calls.readAll("/data@master/growing")).isEqualTo(utf8("abc"));
    calls.flush("/data@master/growing", writer);
    calls.release("/data@master/growing", writer);
    assertThat(daemon.client.inspectFile("data@master:/growing").getSizeBytes()).isEqualTo(3);
  }

  @Test
  void overwriteTruncateRenameUnlinkMkdirAndRmdir() throws Exception {
    daemon.put("data", "master", Map.of("/f", utf8("0123456789"), "/d/x", utf8("x")));
    mount(writable());

    FuseFileInfo rw = calls.open("/data@master/f", FuseCalls.O_RDWR);
    calls.write("/data@master/f", rw, 2, utf8("AB"));
    calls.flush("/data@master/f", rw);
    calls.release("/data@master/f", rw);
    assertThat(calls.readAll("/data@master/f")).isEqualTo(utf8("01AB456789"));

    assertThat(fs.truncate("/data@master/f", 4)).isZero();
    assertThat(calls.readAll("/data@master/f")).isEqualTo(utf8("01AB"));

    assertThat(fs.rename("/data@master/f", "/data@master/d/g")).isZero();
    assertThat(calls.getattr("/data@master/f")).isEqualTo(-ErrorCodes.ENOENT());
    assertThat(calls.readAll("/data@master/d/g")).isEqualTo(utf8("01AB"));

    assertThat(fs.mkdir("/data@master/empty", 0755)).isZero();
    assertThat(fs.mkdir("/data@master/empty", 0755)).isEqualTo(-ErrorCodes.EEXIST());
    assertThat(calls.readdir("/data@master/empty")).isEmpty();
    assertThat(fs.rmdir("/data@master/d")).isEqualTo(-ErrorCodes.ENOTEMPTY());
    assertThat(fs.rmdir("/data@master/empty")).isZero();
    assertThat(fs.unlink("/data@master/d/x")).isZero();
    assertThat(fs.unlink("/data@master/d/x")).isEqualTo(-ErrorCodes.ENOENT());
    assertThat(calls.readdir("/data@master/d")).containsExactly("g");

    fs.finishCommits();
    assertThat(daemon.client.listFile("data@master:/").map(FileInfo::getPath).toList()).containsExactly("/d");
    assertThat(daemon.client.listFile("data@master:/d").map(FileInfo::getPath).toList()).containsExactly("/d/g");
  }

  @Test
  void overwritingAFileAsTheKernelDoesReadsNoneOfItsOldChunks() throws Exception {
    daemon.put("data", "master", Map.of("/f", random(300_000, 5)));
    mount(writable());
    FileInfo info = daemon.client.inspectFile("data@master:/f", true);
    try (ObjectStore objects = ObjectStores.open(daemon.client.getStore())) {
      objects.delete(ChunkId.fromDigest(info.getData(0).getChunk().toByteArray()).objectKey());
    }

    // Without atomic_o_trunc the kernel opens without O_TRUNC, then truncates the open file.
    FuseFileInfo fi = calls.open("/data@master/f", FuseCalls.O_WRONLY);
    assertThat(fs.ftruncate("/data@master/f", 0, fi)).isZero();
    assertThat(calls.write("/data@master/f", fi, 0, utf8("new"))).isEqualTo(3);
    assertThat(calls.release("/data@master/f", fi)).isZero();

    assertThat(calls.readAll("/data@master/f")).isEqualTo(utf8("new"));
  }

  @Test
  void commitsAndPipelineOutputsStayReadOnlyInAWritableMount() throws Exception {
    String id = daemon.put("data", "master", Map.of("/f", utf8("f")));
    daemon.client.createRepo("out", "", false);
    daemon.client.createBranch("out", "master", "", List.of(
        BranchRef.newBuilder().setRepo("data").setBranch("master").build()));
    daemon.put("out", "master", Map.of("/r", utf8("r")));
    mount(writable());

    assertThat(calls.openErrno("/data@" + id + "/f", FuseCalls.O_WRONLY)).isEqualTo(-ErrorCodes.EROFS());
    assertThat(calls.openErrno("/data@master^0/f", FuseCalls.O_WRONLY)).isEqualTo(-ErrorCodes.EROFS());
    assertThat(calls.openErrno("/out@master/r", FuseCalls.O_WRONLY)).isEqualTo(-ErrorCodes.EROFS());
    assertThat(calls.stat("/out@master/r").st_mode.intValue()).isEqualTo(FileStat.S_IFREG | 0444);
    assertThat(calls.stat("/data@master/f").st_mode.intValue()).isEqualTo(FileStat.S_IFREG | 0644);
  }
}
