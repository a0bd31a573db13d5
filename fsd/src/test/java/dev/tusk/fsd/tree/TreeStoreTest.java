package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.tree.TreeChange.Copy;
import dev.tusk.fsd.tree.TreeChange.Delete;
import dev.tusk.fsd.tree.TreeChange.MakeDir;
import dev.tusk.fsd.tree.TreeChange.PutFile;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TreeStoreTest {
  private CountingObjectStore objects;
  private TreeStore trees;

  @BeforeEach
  void setUp() throws IOException {
    objects = MemoryStores.open();
    trees = new TreeStore(objects, 16 << 20);
  }

  @AfterEach
  void tearDown() throws IOException {
    objects.close();
  }

  private TreeRef apply(TreeRef root, TreeChange... changes) throws IOException {
    return trees.apply(root, List.of(changes));
  }

  private List<String> paths(Stream<Entry> entries) {
    return entries.map(Entry::path).toList();
  }

  @Test
  void getsWhatWasPut() throws IOException {
    FileContent content = Contents.of("a");
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/dir/a.txt", content));

    Entry entry = trees.get(root, "dir/a.txt/").orElseThrow();

    assertThat(entry).isEqualTo(Entry.file("/dir/a.txt", content));
  }

  @Test
  void getOfMissingPathIsEmpty() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a", Contents.of("a")));

    assertThat(trees.get(root, "/b")).isEmpty();
    assertThat(trees.get(root, "/a/b")).isEmpty();
  }

  @Test
  void rootIsADirectoryEvenWhenEmpty() throws IOException {
    assertThat(trees.get(TreeRef.EMPTY, "/")).contains(Entry.dir("/", TreeRef.EMPTY));
    assertThat(trees.list(TreeRef.EMPTY, "/")).isEmpty();
  }

  @Test
  void emptyBatchReturnsTheSameTree() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a", Contents.of("a")));

    assertThat(trees.apply(root, List.of())).isEqualTo(root);
  }

  @Test
  void putCreatesParentDirectories() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a/b/c", Contents.of("c")));

    assertThat(trees.get(root, "/a").orElseThrow().type()).isEqualTo(EntryType.DIR);
    assertThat(trees.get(root, "/a/b").orElseThrow().type()).isEqualTo(EntryType.DIR);
  }

  @Test
  void listsChildrenInNameOrder() throws IOException {
    TreeRef root =
        apply(
            TreeRef.EMPTY,
            new PutFile("/d/b", Contents.of("b")),
            new PutFile("/d/a", Contents.of("a")),
            new PutFile("/d/c/x", Contents.of("x")),
            new PutFile("/d/B", Contents.of("B")));

    assertThat(paths(trees.list(root, "/d"))).containsExactly("/d/B", "/d/a", "/d/b", "/d/c");
  }

  @Test
  void listsNamesByCodePoint() throws IOException {
    String emoji = "\uD83D\uDE00"; // U+1F600, a surrogate pair in UTF-16
    String cjkCompat = "\uFA00"; // above the surrogates in UTF-16 but below U+1F600
    TreeRef root =
        apply(
            TreeRef.EMPTY,
            new PutFile("/" + emoji, Contents.of("1")),
            new PutFile("/" + cjkCompat, Contents.of("2")));

    assertThat(paths(trees.list(root, "/"))).containsExactly("/" + cjkCompat, "/" + emoji);
  }

  @Test
  void listOfAFileListsThatFile() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a", Contents.of("a")));

    assertThat(paths(trees.list(root, "/a"))).containsExactly("/a");
  }

  @Test
  void listOfMissingDirectoryIsFileNotFound() {
    assertThatThrownBy(() -> trees.list(TreeRef.EMPTY, "/nope"))
        .isInstanceOf(PfsException.class)
        .hasMessageContaining("/nope")
        .extracting(e -> ((PfsException) e).code())
        .isEqualTo(ErrorCode.FILE_NOT_FOUND);
  }

  @Test
  void walksInPathOrderWithDirectoriesBeforeTheirContents() throws IOException {
    TreeRef root =
        apply(
            TreeRef.EMPTY,
            new PutFile("/a-c", Contents.of("1")),
            new PutFile("/a/b", Contents.of("2")),
            new PutFile("/a/a/z", Contents.of("3")),
            new MakeDir("/e"));

    assertThat(paths(trees.walk(root, "/")))
        .containsExactly("/", "/a", "/a/a", "/a/a/z", "/a/b", "/a-c", "/e");
    assertThat(paths(trees.walk(root, "/a/a"))).containsExactly("/a/a", "/a/a/z");
    assertThat(paths(trees.walk(root, "/a/b"))).containsExactly("/a/b");
  }

  @Test
  void deletesAFile() throws IOException {
    TreeRef root =
        apply(
            TreeRef.EMPTY,
            new PutFile("/a", Contents.of("a")),
            new PutFile("/b", Contents.of("b")));

    TreeRef after = apply(root, new Delete("/a"));

    assertThat(paths(trees.walk(after, "/"))).containsExactly("/", "/b");
  }

  @Test
  void deletingADirectoryDeletesEverythingBelow() throws IOException {
    TreeRef root =
        apply(
            TreeRef.EMPTY,
            new PutFile("/d/a", Contents.of("a")),
            new PutFile("/d/e/b", Contents.of("b")),
            new PutFile("/z", Contents.of("z")));

    TreeRef after = apply(root, new Delete("/d"));

    assertThat(paths(trees.walk(after, "/"))).containsExactly("/", "/z");
  }

  @Test
  void deletingTheLastFileLeavesTheDirectory() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/d/a", Contents.of("a")));

    TreeRef after = apply(root, new Delete("/d/a"));

    assertThat(trees.get(after, "/d")).contains(Entry.dir("/d", TreeRef.EMPTY));
  }

  @Test
  void deletingTheRootEmptiesTheTree() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/d/a", Contents.of("a")));

    assertThat(apply(root, new Delete("/"))).isEqualTo(TreeRef.EMPTY);
  }

  @Test
  void deletingEverythingGivesTheEmptyTree() throws IOException {
    TreeRef root =
        apply(
            TreeRef.EMPTY,
            new PutFile("/a", Contents.of("a")),
            new PutFile("/b", Contents.of("b")));

    assertThat(apply(root, new Delete("/a"), new Delete("/b"))).isEqualTo(TreeRef.EMPTY);
  }

  @Test
  void deleteOfMissingPathIsFileNotFound() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a", Contents.of("a")));

    assertError(() -> apply(root, new Delete("/b")), ErrorCode.FILE_NOT_FOUND, "/b");
    assertError(() -> apply(root, new Delete("/x/y")), ErrorCode.FILE_NOT_FOUND, "/x/y");
  }

  @Test
  void putBelowAFileIsNotADirectory() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a", Contents.of("a")));

    assertError(
        () -> apply(root, new PutFile("/a/b/c", Contents.of("c"))),
        ErrorCode.NOT_A_DIRECTORY,
        "/a");
  }

  @Test
  void putOverADirectoryIsADirectory() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a/b", Contents.of("b")));

    assertError(
        () -> apply(root, new PutFile("/a", Contents.of("a"))), ErrorCode.IS_A_DIRECTORY, "/a");
    assertError(
        () -> apply(root, new PutFile("/", Contents.of("a"))), ErrorCode.IS_A_DIRECTORY, "/");
  }

  @Test
  void makeDirOverAFileIsNotADirectory() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a", Contents.of("a")));

    assertError(() -> apply(root, new MakeDir("/a")), ErrorCode.NOT_A_DIRECTORY, "/a");
  }

  @Test
  void makeDirOfAnExistingDirectoryChangesNothing() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/d/a", Contents.of("a")));

    assertThat(apply(root, new MakeDir("/d"), new MakeDir("/"))).isEqualTo(root);
  }

  @Test
  void makeDirCreatesAnEmptyDirectoryWithParents() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new MakeDir("/a/b"));

    assertThat(trees.get(root, "/a/b")).contains(Entry.dir("/a/b", TreeRef.EMPTY));
    assertThat(paths(trees.walk(root, "/"))).containsExactly("/", "/a", "/a/b");
  }

  @Test
  void laterChangesInABatchWin() throws IOException {
    TreeRef root =
        apply(
            TreeRef.EMPTY,
            new PutFile("/a/x", Contents.of("1")),
            new Delete("/a"),
            new PutFile("/a", Contents.of("2")),
            new PutFile("/b", Contents.of("3")),
            new Delete("/b"),
            new MakeDir("/b"),
            new PutFile("/b/c", Contents.of("4")),
            new PutFile("/b/c", Contents.of("5")));

    assertThat(trees.get(root, "/a").orElseThrow().hash()).isEqualTo(Contents.hash("2"));
    assertThat(trees.get(root, "/b/c").orElseThrow().hash()).isEqualTo(Contents.hash("5"));
    assertThat(paths(trees.walk(root, "/"))).containsExactly("/", "/a", "/b", "/b/c");
  }

  @Test
  void anInvalidChangeInABatchFailsTheWholeBatch() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a", Contents.of("a")));

    assertError(
        () -> apply(root, new PutFile("/b", Contents.of("b")), new Delete("/missing")),
        ErrorCode.FILE_NOT_FOUND,
        "/missing");
    assertThat(paths(trees.walk(root, "/"))).containsExactly("/", "/a");
  }

  @Test
  void directoriesCarryRecursiveSizesAndFileCounts() throws IOException {
    TreeRef root =
        apply(
            TreeRef.EMPTY,
            new PutFile("/a/x", Contents.of("x", 10)),
            new PutFile("/a/b/y", Contents.of("y", 20)),
            new PutFile("/z", Contents.of("z", 5)));

    assertThat(root.size()).isEqualTo(35);
    assertThat(root.fileCount()).isEqualTo(3);
    Entry a = trees.get(root, "/a").orElseThrow();
    assertThat(a.size()).isEqualTo(30);
    assertThat(a.tree().fileCount()).isEqualTo(2);
  }

  @Test
  void largeFileContentRoundTrips() throws IOException {
    FileContent large = Contents.large("big", LeafEntry.INLINE_MAX_REFS + 5);
    TreeRef root =
        apply(TreeRef.EMPTY, new PutFile("/big", large), new PutFile("/small", Contents.of("s")));

    assertThat(trees.get(root, "/big").orElseThrow().content()).isEqualTo(large);
    assertThat(new TreeStore(objects, 0).list(root, "/").map(Entry::content).toList())
        .containsExactly(large, Contents.of("s"));
  }

  @Test
  void copiesAFileByReference() throws IOException {
    FileContent content = Contents.of("a");
    TreeRef source = apply(TreeRef.EMPTY, new PutFile("/a", content));
    Entry entry = trees.get(source, "/a").orElseThrow();

    TreeRef root = apply(TreeRef.EMPTY, new Copy("/copies/a2", entry));

    assertThat(trees.get(root, "/copies/a2")).contains(Entry.file("/copies/a2", content));
  }

  @Test
  void copyingADirectorySharesItsPages() throws IOException {
    PutFile[] puts = new PutFile[3000];
    for (int i = 0; i < puts.length; i++) {
      puts[i] = new PutFile("/src/sub/f" + i, Contents.of("f" + i));
    }
    TreeRef source = apply(TreeRef.EMPTY, puts);
    Entry sub = trees.get(source, "/src/sub").orElseThrow();
    objects.reset();

    TreeRef root = apply(source, new Copy("/dst/copy", sub));

    // Only the new root and /dst pages: /dst/copy is the very same subtree as /src/sub.
    assertThat(objects.created.get()).isEqualTo(2);
    assertThat(trees.get(root, "/dst/copy").orElseThrow().tree()).isEqualTo(sub.tree());
    assertThat(trees.walk(root, "/dst/copy").count()).isEqualTo(3001);
  }

  @Test
  void copyingADirectoryReplacesADirectory() throws IOException {
    TreeRef source = apply(TreeRef.EMPTY, new PutFile("/s/x", Contents.of("x")));
    Entry s = trees.get(source, "/s").orElseThrow();
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/d/old", Contents.of("old")));

    TreeRef after = apply(root, new Copy("/d", s));

    assertThat(paths(trees.walk(after, "/"))).containsExactly("/", "/d", "/d/x");
  }

  @Test
  void copyingADirectoryOntoAFileIsNotADirectory() throws IOException {
    TreeRef source = apply(TreeRef.EMPTY, new PutFile("/s/x", Contents.of("x")));
    Entry s = trees.get(source, "/s").orElseThrow();

    assertError(() -> apply(source, new Copy("/s/x", s)), ErrorCode.NOT_A_DIRECTORY, "/s/x");
  }

  @Test
  void copyingADirectoryToTheRootReplacesTheTree() throws IOException {
    TreeRef source = apply(TreeRef.EMPTY, new PutFile("/s/x", Contents.of("x")));
    Entry s = trees.get(source, "/s").orElseThrow();

    assertThat(apply(source, new Copy("/", s))).isEqualTo(s.tree());
  }

  @Test
  void anUnchangedTreeIsReadBackFromANewStore() throws IOException {
    TreeRef root = apply(TreeRef.EMPTY, new PutFile("/a/b", Contents.of("b")));

    TreeStore fresh = new TreeStore(objects, 0);

    assertThat(paths(fresh.walk(root, "/"))).containsExactly("/", "/a", "/a/b");
  }

  private static void assertError(ThrowingCall call, ErrorCode code, String path) {
    assertThatThrownBy(call::call)
        .isInstanceOf(PfsException.class)
        .hasMessageContaining(path)
        .extracting(e -> ((PfsException) e).code())
        .isEqualTo(code);
  }

  private interface ThrowingCall {
    void call() throws Exception;
  }
}
