package dev.tusk.chunkstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ChunkStoreTest {
  private static final Chunker SMALL = new Chunker(1024, 4096, 16384);

  private InMemoryObjectStore objects;
  private ChunkStore store;

  @BeforeEach
  void open() throws IOException {
    objects = new InMemoryObjectStore();
    store = new ChunkStore(objects, ChunkStoreConfig.defaults().withChunker(SMALL));
  }

  @AfterEach
  void close() throws IOException {
    store.close();
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private FileContent put(byte[] data) throws IOException {
    try (ContentWriter writer = store.newWriter()) {
      CompletableFuture<FileContent> content = writer.write(new ByteArrayInputStream(data));
      writer.flush();
      return content.join();
    }
  }

  private byte[] readAll(FileContent content) throws IOException {
    return store.reader(content).stream().readAllBytes();
  }

  private long chunkCount() throws IOException {
    try (Stream<String> keys = objects.list("chunks/")) {
      return keys.count();
    }
  }

  @Test
  void firstMissingNamesAChunkTheBackendDoesNotHold() throws Exception {
    byte[] stored = random(5000, 41);
    objects.put(ChunkId.of(stored).objectKey(), stored); // written by someone else, as the mount does
    ChunkId absent = ChunkId.of(random(10, 42));

    assertThat(store.firstMissing(java.util.List.of(ChunkId.of(stored)))).isEmpty();
    assertThat(store.firstMissing(java.util.List.of(ChunkId.of(stored), absent))).contains(absent);
  }

  @Test
  void largeFilesRoundTrip() throws IOException {
    byte[] data = random(200_000, 1);
    FileContent content = put(data);
    assertThat(content.size()).isEqualTo(data.length);
    assertThat(content.refs()).hasSizeGreaterThan(10);
    assertThat(readAll(content)).isEqualTo(data);
  }

  @Test
  void bytesPushedInPiecesChunkExactlyLikeAStream() throws IOException {
    byte[] data = random(300_000, 11);
    FileContent streamed = put(data);
    try (ContentWriter writer = store.newWriter()) {
      ContentWriter.FileSink sink = writer.begin();
      Random sizes = new Random(12);
      for (int at = 0; at < data.length; ) {
        int n = Math.min(data.length - at, sizes.nextInt(70_000));
        sink.write(data, at, n);
        at += n;
      }
      CompletableFuture<FileContent> pushed = sink.finish();
      writer.flush();
      assertThat(pushed.join()).isEqualTo(streamed);
    }
  }

  @Test
  void theContentSoFarIsThatOfTheBytesSoFarAndTheFileGoesOnUnchanged() throws IOException {
    byte[] data = random(300_000, 13);
    try (ContentWriter writer = store.newWriter()) {
      ContentWriter.FileSink sink = writer.begin();
      List<Integer> cuts = List.of(0, 500, 20_000, 20_001, 150_000, 300_000);
      List<CompletableFuture<FileContent>> soFar = new ArrayList<>();
      int at = 0;
      for (int cut : cuts) {
        sink.write(data, at, cut - at);
        at = cut;
        soFar.add(sink.contentSoFar());
      }
      CompletableFuture<FileContent> whole = sink.finish();
      writer.flush();
      for (int i = 0; i < cuts.size(); i++) {
        byte[] bytes = java.util.Arrays.copyOf(data, cuts.get(i));
        FileContent prefix = soFar.get(i).join();
        assertThat(prefix.hash()).isEqualTo(put(bytes).hash());
        assertThat(readAll(prefix)).isEqualTo(bytes);
      }
      assertThat(whole.join()).isEqualTo(put(data));
    }
  }

  @Test
  void aFileMustBeFinishedBeforeTheNextBegins() throws IOException {
    try (ContentWriter writer = store.newWriter()) {
      ContentWriter.FileSink sink = writer.begin();
      assertThatThrownBy(writer::begin).isInstanceOf(IllegalStateException.class);
      sink.finish();
      assertThatThrownBy(() -> sink.write(new byte[1], 0, 1)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void emptyFilesHaveNoRefs() throws IOException {
    FileContent content = put(new byte[0]);
    assertThat(content.refs()).isEmpty();
    assertThat(readAll(content)).isEmpty();
  }

  @Test
  void smallFilesArePackedIntoOneChunk() throws IOException {
    List<CompletableFuture<FileContent>> contents = new ArrayList<>();
    try (ContentWriter writer = store.newWriter()) {
      for (int i = 0; i < 5; i++) {
        contents.add(writer.write(new ByteArrayInputStream(random(300, i))));
      }
    }
    assertThat(chunkCount()).isEqualTo(1);
    for (int i = 0; i < 5; i++) {
      assertThat(readAll(contents.get(i).join())).isEqualTo(random(300, i));
    }
  }

  @Test
  void theContentHashDependsOnlyOnTheBytes() throws IOException {
    byte[] small = random(500, 7);
    FileContent alone = put(small);
    FileContent packed;
    try (ContentWriter writer = store.newWriter()) {
      writer.write(new ByteArrayInputStream(random(700, 8)));
      CompletableFuture<FileContent> second = writer.write(new ByteArrayInputStream(small));
      writer.flush();
      packed = second.join();
    }
    assertThat(packed.refs()).isNotEqualTo(alone.refs());
    assertThat(packed.hash()).isEqualTo(alone.hash());
    assertThat(put(random(501, 7)).hash()).isNotEqualTo(alone.hash());
  }

  @Test
  void smallAndEmptyFilesKeepTheirContentHashesThroughOneWriter() throws Exception {
    byte[] a = random(4096, 11);
    byte[] b = random(100, 12);
    List<CompletableFuture<FileContent>> contents = new ArrayList<>();
    try (ContentWriter writer = store.newWriter()) {
      for (byte[] data : List.of(a, new byte[0], b, a)) {
        contents.add(writer.write(new ByteArrayInputStream(data)));
      }
      writer.flush();
    }
    // SHA-256 of the file's one chunk digest; of nothing for an empty file.
    assertThat(contents.get(0).join().hash()).isEqualTo(sha256Hex(sha256(a)));
    assertThat(contents.get(1).join().hash()).isEqualTo(sha256Hex(new byte[0]));
    assertThat(contents.get(2).join().hash()).isEqualTo(sha256Hex(sha256(b)));
    assertThat(contents.get(3).join().hash()).isEqualTo(contents.get(0).join().hash());
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  private static String sha256Hex(byte[] data) throws Exception {
    return HexFormat.of().formatHex(sha256(data));
  }

  @Test
  void identicalLargeContentIsStoredOnce() throws IOException {
    byte[] data = random(100_000, 2);
    FileContent first = put(data);
    long chunks = chunkCount();
    FileContent second = put(data);
    assertThat(second).isEqualTo(first);
    assertThat(chunkCount()).isEqualTo(chunks);
  }

  @Test
  void anEditInTheMiddleAddsOnlyAFewChunks() throws IOException {
    byte[] data = random(400_000, 3);
    put(data);
    long before = chunkCount();
    byte[] edited = data.clone();
    for (int i = 0; i < 4096; i++) {
      edited[200_000 + i] = (byte) i;
    }
    assertThat(readAll(put(edited))).isEqualTo(edited);
    assertThat(chunkCount() - before).isBetween(1L, 4L);
  }

  @Test
  void readsAtAnyOffsetReturnTheRightBytes() throws IOException {
    byte[] data = random(150_000, 4);
    ContentReader reader = store.reader(put(data));
    Random random = new Random(9);
    for (int i = 0; i < 200; i++) {
      int position = random.nextInt(data.length);
      int length = random.nextInt(40_000);
      byte[] into = new byte[length + 3];
      int n = reader.read(position, into, 3, length);
      int expected = Math.min(length, data.length - position);
      assertThat(n).isEqualTo(expected == 0 && length > 0 ? -1 : expected);
      for (int j = 0; j < expected; j++) {
        assertThat(into[3 + j]).isEqualTo(data[position + j]);
      }
    }
    assertThat(reader.read(data.length, new byte[10], 0, 10)).isEqualTo(-1);
  }

  @Test
  void aCorruptChunkIsAnIntegrityErrorNamingIt() throws IOException {
    FileContent content = put(random(5000, 5));
    ChunkId chunk = content.refs().get(0).chunk();
    objects.put(chunk.objectKey(), random(content.refs().get(0).length(), 99));
    try (ChunkStore fresh = new ChunkStore(objects, ChunkStoreConfig.defaults().withChunker(SMALL))) {
      assertThatThrownBy(() -> fresh.read(chunk))
          .isInstanceOf(ChunkIntegrityException.class)
          .hasMessageContaining(chunk.hex());
    }
  }

  @Test
  void aOnePassReadIsVerifiedIntoTheCallersBuffer() throws Exception {
    FileContent content = put(random(20_000, 6));
    ChunkId chunk = content.refs().get(0).chunk();
    byte[] expected = objects.get(chunk.objectKey());
    try (ChunkStore fresh = new ChunkStore(objects, ChunkStoreConfig.defaults().withChunker(SMALL))) {
      ByteBuffer got = fresh.readOnce(chunk, ByteBuffer::allocateDirect).get();
      assertThat(got.isDirect()).isTrue();
      byte[] back = new byte[got.remaining()];
      got.get(back);
      assertThat(back).isEqualTo(expected);

      objects.put(chunk.objectKey(), random(expected.length, 98));
      assertThatThrownBy(() -> fresh.readOnce(chunk, ByteBuffer::allocateDirect).get())
          .hasCauseInstanceOf(UncheckedIOException.class)
          .cause().hasCauseInstanceOf(ChunkIntegrityException.class)
          .cause().hasMessageContaining(chunk.hex());
    }
  }

  @Test
  void aMissingChunkIsNoSuchFile() {
    ChunkId absent = ChunkId.of(new byte[] {1, 2, 3});
    assertThatThrownBy(() -> store.read(absent))
        .isInstanceOf(java.nio.file.NoSuchFileException.class)
        .hasMessageContaining(absent.hex());
  }

  @Test
  void aFailingBackendFailsTheFlush() throws IOException {
    FaultyObjectStore broken = new FaultyObjectStore();
    broken.permanentFailure = "disk on fire";
    try (ChunkStore failing = new ChunkStore(broken, ChunkStoreConfig.defaults().withChunker(SMALL));
        ContentWriter writer = failing.newWriter()) {
      writer.write(new ByteArrayInputStream(random(50_000, 6)));
      assertThatThrownBy(writer::flush).hasMessageContaining("disk on fire");
    }
  }

  @Test
  void aFlushEndsWithOneBarrierAfterEveryChunkIsStored() throws IOException {
    FaultyObjectStore recording = new FaultyObjectStore();
    try (ChunkStore counted = new ChunkStore(recording, ChunkStoreConfig.defaults().withChunker(SMALL))) {
      ContentWriter writer = counted.newWriter();
      writer.write(new ByteArrayInputStream(random(200_000, 7)));
      writer.write(new ByteArrayInputStream(random(100, 8)));
      writer.flush();
      List<String> events = recording.events;
      assertThat(events).hasSizeGreaterThan(10);
      assertThat(events.subList(0, events.size() - 1)).allMatch(event -> event.startsWith("put "));
      assertThat(events.get(events.size() - 1)).isEqualTo("sync");
    }
  }

  @Test
  void aFailingBarrierFailsTheFlush() throws IOException {
    FaultyObjectStore broken = new FaultyObjectStore();
    broken.syncFailure = "fsync failed";
    try (ChunkStore failing = new ChunkStore(broken, ChunkStoreConfig.defaults().withChunker(SMALL))) {
      ContentWriter writer = failing.newWriter();
      writer.write(new ByteArrayInputStream(random(50_000, 9)));
      assertThatThrownBy(writer::flush).hasMessageContaining("fsync failed");
    }
  }
}
