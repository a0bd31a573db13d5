package dev.tusk.fsd.version;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.store.CommitState;
import dev.tusk.fsd.store.MetadataStore;
import dev.tusk.fsd.store.MetadataStores;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.tree.TreeStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The versioned file system over a real local store and SQLite file. */
class PfsTest {
  @TempDir Path dir;

  private ChunkStore chunks;
  private MetadataStore meta;
  private Pfs pfs;

  @BeforeEach
  void open() throws IOException {
    chunks = new ChunkStore(
        ObjectStores.open(dir.resolve("store").toUri().toString()), ChunkStoreConfig.defaults());
    meta = MetadataStores.open("sqlite:" + dir.resolve("metadata.db"));
    pfs = new Pfs(meta, new TreeStore(chunks.objects(), 16 << 20), chunks, Clock.systemUTC());
  }

  @AfterEach
  void close() throws IOException {
    meta.close();
    chunks.close();
  }

  private CommitRecord put(String repo, String path, String text) throws IOException {
    Modification change = pfs.modify(repo, "master", "");
    change.put(path);
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    change.write(bytes, 0, bytes.length);
    return change.commit();
  }

  private String read(String fileRef) throws IOException {
    return new String(pfs.open(pfs.inspectFile(fileRef)).stream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void aPutWithoutAnOpenCommitIsItsOwnFinishedCommit() throws IOException {
    pfs.createRepo("images", "", false);
    CommitRecord first = put("images", "/a.txt", "one");
    CommitRecord second = put("images", "/b.txt", "two");
    assertThat(first.state()).isEqualTo(CommitState.FINISHED);
    assertThat(second.parent()).isEqualTo(first.id());
    assertThat(read("images@master:/a.txt")).isEqualTo("one");
    assertThat(read("images@master^:/a.txt")).isEqualTo("one");
    assertThatThrownBy(() -> pfs.inspectFile("images@master^:/b.txt"))
        .isInstanceOf(PfsException.class)
        .hasMessageContaining("/b.txt not found");
    assertThat(pfs.inspectCommit("images@master").tree().size()).isEqualTo(6);
  }

  @Test
  void changesGoIntoTheOpenCommitUntilItIsFinished() throws IOException {
    pfs.createRepo("r", "", false);
    CommitRecord open = pfs.startCommit("r", "master", "", "batch");
    put("r", "/x", "1");
    put("r", "/y", "2");
    CommitRecord head = pfs.inspectCommit("r@master");
    assertThat(head.id()).isEqualTo(open.id());
    assertThat(head.state()).isEqualTo(CommitState.OPEN);
    assertThat(pfs.listFile(head, "/").map(Entry::path)).containsExactly("/x", "/y");

    CommitRecord done = pfs.finishCommit("r@master", "");
    assertThat(done.state()).isEqualTo(CommitState.FINISHED);
    assertThat(done.description()).isEqualTo("batch");
    assertThatThrownBy(() -> pfs.finishCommit("r@" + open.id(), ""))
        .isInstanceOf(PfsException.class)
        .satisfies(e -> assertThat(((PfsException) e).code()).isEqualTo(ErrorCode.COMMIT_FINISHED));

    CommitRecord after = put("r", "/z", "3");
    assertThat(after.parent()).isEqualTo(open.id());
    assertThat(pfs.listFile(pfs.resolve("r@" + open.id()), "/").count()).isEqualTo(2);
  }

  @Test
  void aSecondOpenCommitOnABranchIsRefused() {
    pfs.createRepo("r", "", false);
    pfs.startCommit("r", "master", "", "");
    assertThatThrownBy(() -> pfs.startCommit("r", "master", "", ""))
        .isInstanceOf(PfsException.class)
        .hasMessageContaining("already has an open commit");
  }

  @Test
  void commitsLeftOpenByACrashAreFinishedWithTheirAcknowledgedContent() throws IOException {
    pfs.createRepo("r", "", false);
    CommitRecord open = pfs.startCommit("r", "master", "", "");
    put("r", "/kept", "acknowledged");
    Pfs restarted = new Pfs(meta, new TreeStore(chunks.objects(), 1 << 20), chunks, Clock.systemUTC());
    assertThat(restarted.finishOpenCommits()).isEqualTo(1);
    CommitRecord finished = restarted.inspectCommit("r@" + open.id());
    assertThat(finished.state()).isEqualTo(CommitState.FINISHED);
    assertThat(restarted.inspectFile("r@master:/kept").size()).isEqualTo(12);
  }

  @Test
  void concurrentWritersToOneBranchLoseNothing() throws Exception {
    pfs.createRepo("r", "", false);
    // As many writers as an S3 client's parallel uploads and then some.
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<CommitRecord>> commits = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        int n = i;
        commits.add(pool.submit(() -> put("r", "/f" + n, "v" + n)));
      }
      Set<String> ids = new HashSet<>();
      for (Future<CommitRecord> commit : commits) {
        ids.add(commit.get().id());
      }
      assertThat(ids).hasSize(64);
    } finally {
      pool.shutdownNow();
    }
    assertThat(pfs.listFile(pfs.resolve("r@master"), "/").count()).isEqualTo(64);
    assertThat(pfs.listCommits("r", "master", 0)).hasSize(64);
  }

  @Test
  void waitCommitReturnsOnceAnotherCallerFinishesIt() throws Exception {
    pfs.createRepo("r", "", false);
    CommitRecord open = pfs.startCommit("r", "master", "", "");
    Thread finisher = new Thread(() -> pfs.finishCommit("r@master", ""));
    finisher.start();
    CommitRecord waited = pfs.waitCommit("r@" + open.id(), Duration.ofSeconds(10));
    assertThat(waited.state()).isEqualTo(CommitState.FINISHED);
    finisher.join();
  }

  @Test
  void copyIsByReference() throws IOException {
    pfs.createRepo("r", "", false);
    put("r", "/dir/a", "alpha");
    Modification copy = pfs.modify("r", "master", "");
    copy.copy("r@master:/dir", "/copy");
    copy.commit();
    Entry original = pfs.inspectFile("r@master:/dir/a");
    Entry copied = pfs.inspectFile("r@master:/copy/a");
    assertThat(copied.content()).isEqualTo(original.content());
    assertThat(pfs.inspectFile("r@master:/copy").hash()).isEqualTo(pfs.inspectFile("r@master:/dir").hash());
  }

  @Test
  void branchesPointAtCommitsAndResolveAncestry() throws IOException {
    pfs.createRepo("r", "", false);
    CommitRecord first = put("r", "/a", "1");
    put("r", "/a", "2");
    pfs.createBranch("r", "stable", "master^", List.of());
    assertThat(pfs.inspectCommit("r@stable").id()).isEqualTo(first.id());
    assertThat(read("r@stable:/a")).isEqualTo("1");
    assertThatThrownBy(() -> pfs.inspectCommit("r@master~5")).hasMessageContaining("has only 1 ancestors");
  }

  @Test
  void createRepoWithUpdateChangesTheDescription() {
    pfs.createRepo("r", "old", false);
    assertThat(pfs.createRepo("r", "new", true).description()).isEqualTo("new");
    assertThat(pfs.inspectRepo("r").description()).isEqualTo("new");
  }

  @Test
  void missingThingsAreNamed() {
    assertThatThrownBy(() -> pfs.inspectRepo("nope")).hasMessage("Repo 'nope' not found");
    pfs.createRepo("r", "", false);
    assertThatThrownBy(() -> pfs.inspectCommit("r@master")).hasMessageContaining("not found");
    assertThatThrownBy(() -> pfs.createRepo("r", "", false)).hasMessage("Repo 'r' already exists");
  }
}
