package dev.tusk.fsd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.tree.TreeRef;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link MetadataStore} backend must have. A subclass supplies a fresh, empty
 * database per test; each test opens its stores on it through {@link MetadataStores#open}.
 */
abstract class AbstractMetadataStoreTest {
  /** Microseconds, the precision the stores keep. */
  static final Instant T0 = Instant.parse("2025-03-01T12:00:00.123456Z");

  private static final HexFormat HEX = HexFormat.of();
  private static final AtomicInteger IDS = new AtomicInteger();

  private final List<MetadataStore> opened = new ArrayList<>();
  private String url;
  protected MetadataStore store;

  /** The URL of a new, empty database for one test. */
  protected abstract String newDatabaseUrl() throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    url = newDatabaseUrl();
    store = openAnother();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(MetadataStore::close);
  }

  /** Another store on this test's database, as a second daemon (or a restarted one) opens it. */
  protected MetadataStore openAnother() {
    MetadataStore another = MetadataStores.open(url);
    opened.add(another);
    return another;
  }

  protected String url() {
    return url;
  }

  // ---- repos ----

  @Test
  void createdRepoCanBeRead() {
    RepoRecord repo = new RepoRecord("images", T0, "cat pictures");

    store.createRepo(repo);

    assertThat(store.getRepo("images")).contains(repo);
  }

  @Test
  void creatingAnExistingRepoFailsWithRepoExists() {
    store.createRepo(repo("images"));

    assertThatThrownBy(() -> store.createRepo(new RepoRecord("images", T0, "again")))
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.REPO_EXISTS))
        .hasMessage("Repo 'images' already exists");
    assertThat(store.getRepo("images").orElseThrow().description()).isEqualTo("");
  }

  @Test
  void missingRepoIsEmpty() {
    assertThat(store.getRepo("nope")).isEmpty();
  }

  @Test
  void reposAreListedInBytewiseNameOrder() {
    for (String name : List.of("b", "_c", "B", "a", "A1")) {
      store.createRepo(repo(name));
    }

    assertThat(store.listRepos())
        .extracting(RepoRecord::name)
        .containsExactly("A1", "B", "_c", "a", "b");
  }

  @Test
  void deletingAMissingRepoReturnsFalse() {
    assertThat(store.deleteRepo("nope")).isFalse();
  }

  @Test
  void deletingARepoRemovesItsBranchesCommitsAndProvenance() {
    store.createRepo(repo("raw"));
    store.createRepo(repo("edges"));
    store.createBranch(new BranchRecord("edges", "master", null, List.of(key("raw", "master"))));
    CommitRecord upstream = open("raw", "master", null);
    assertThat(store.insertCommit(upstream, null)).isTrue();
    CommitRecord downstream =
        withProvenance(
            open("edges", "master", null),
            List.of(new CommitProvenance("raw", "master", upstream.id())));
    assertThat(store.insertCommit(downstream, null)).isTrue();

    assertThat(store.deleteRepo("edges")).isTrue();

    assertThat(store.getRepo("edges")).isEmpty();
    assertThat(store.listBranches("edges")).isEmpty();
    assertThat(store.getCommit(downstream.id())).isEmpty();
    assertThat(store.listCommits("edges")).isEmpty();
    assertThat(store.openCommits()).containsExactly(upstream);
    assertThat(store.branchesProvenantOn(key("raw", "master"))).isEmpty();
    assertThat(store.getBranch("raw", "master").orElseThrow().head()).isEqualTo(upstream.id());
  }

  @Test
  void aDeletedRepoCanBeCreatedAgainEmpty() {
    store.createRepo(repo("images"));
    assertThat(store.insertCommit(open("images", "master", null), null)).isTrue();
    store.deleteRepo("images");

    store.createRepo(repo("images"));

    assertThat(store.listBranches("images")).isEmpty();
    assertThat(store.listCommits("images")).isEmpty();
  }

  @Test
  void namesAndDescriptionsKeepQuotesAndUnicode() {
    RepoRecord repo = new RepoRecord("o'brien; DROP TABLE repos;--", T0, "naïve \"ü\" 🐘\n");

    store.createRepo(repo);

    assertThat(store.getRepo(repo.name())).contains(repo);
    assertThat(store.listRepos()).containsExactly(repo);
  }

  // ---- branches ----

  @Test
  void createdBranchKeepsHeadAndProvenanceInOrder() {
    store.createRepo(repo("out"));
    BranchRecord branch =
        new BranchRecord(
            "out",
            "master",
            "0123456789abcdef0123456789abcdef",
            List.of(key("z", "master"), key("a", "dev"), key("m", "x")));

    store.createBranch(branch);

    assertThat(store.getBranch("out", "master")).contains(branch);
  }

  @Test
  void creatingAnExistingBranchFailsWithBranchExists() {
    store.createRepo(repo("images"));
    store.createBranch(branch("images", "master"));

    assertThatThrownBy(() -> store.createBranch(branch("images", "master")))
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BRANCH_EXISTS))
        .hasMessageContaining("images@master");
  }

  @Test
  void creatingABranchInAMissingRepoFailsWithRepoNotFound() {
    assertThatThrownBy(() -> store.createBranch(branch("nope", "master")))
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.REPO_NOT_FOUND))
        .hasMessageContaining("'nope'");
    assertThat(store.listBranches("nope")).isEmpty();
  }

  @Test
  void missingBranchIsEmpty() {
    store.createRepo(repo("images"));

    assertThat(store.getBranch("images", "master")).isEmpty();
  }

  @Test
  void branchesAreListedPerRepoInNameOrder() {
    store.createRepo(repo("images"));
    store.createRepo(repo("other"));
    store.createBranch(new BranchRecord("images", "staging", null, List.of(key("x", "y"))));
    store.createBranch(branch("images", "dev"));
    store.createBranch(branch("images", "Master"));
    store.createBranch(branch("other", "aaa"));

    assertThat(store.listBranches("images"))
        .containsExactly(
            branch("images", "Master"),
            branch("images", "dev"),
            new BranchRecord("images", "staging", null, List.of(key("x", "y"))));
  }

  @Test
  void branchesProvenantOnFindsDownstreamBranchesOfAnyRepo() {
    for (String name : List.of("raw", "edges", "stats", "unrelated")) {
      store.createRepo(repo(name));
    }
    BranchRecord edges =
        new BranchRecord("edges", "master", null, List.of(key("other", "x"), key("raw", "master")));
    BranchRecord stats = new BranchRecord("stats", "master", null, List.of(key("raw", "master")));
    store.createBranch(stats);
    store.createBranch(edges);
    store.createBranch(new BranchRecord("unrelated", "master", null, List.of(key("raw", "dev"))));
    store.createBranch(branch("raw", "master"));

    assertThat(store.branchesProvenantOn(key("raw", "master"))).containsExactly(edges, stats);
    assertThat(store.branchesProvenantOn(key("nope", "master"))).isEmpty();
  }

  @Test
  void deletingABranchRemovesItAndItsProvenanceButKeepsItsCommits() {
    store.createRepo(repo("out"));
    store.createBranch(new BranchRecord("out", "master", null, List.of(key("in", "master"))));
    CommitRecord commit = open("out", "master", null);
    assertThat(store.insertCommit(commit, null)).isTrue();

    assertThat(store.deleteBranch("out", "master")).isTrue();

    assertThat(store.getBranch("out", "master")).isEmpty();
    assertThat(store.branchesProvenantOn(key("in", "master"))).isEmpty();
    assertThat(store.getCommit(commit.id())).contains(commit);
  }

  @Test
  void aDeletedBranchCanBeCreatedAgainWithoutItsOldProvenance() {
    store.createRepo(repo("out"));
    store.createBranch(new BranchRecord("out", "master", null, List.of(key("in", "master"))));
    store.deleteBranch("out", "master");

    store.createBranch(branch("out", "master"));

    assertThat(store.getBranch("out", "master")).contains(branch("out", "master"));
  }

  @Test
  void deletingAMissingBranchReturnsFalse() {
    store.createRepo(repo("images"));

    assertThat(store.deleteBranch("images", "master")).isFalse();
    assertThat(store.deleteBranch("nope", "master")).isFalse();
  }

  @Test
  void casBranchHeadMovesTheHeadWhileItIsAsExpected() {
    store.createRepo(repo("images"));
    store.createBranch(branch("images", "master"));
    String a = newId();
    String b = newId();

    assertThat(store.casBranchHead("images", "master", null, a)).isTrue();
    assertThat(store.casBranchHead("images", "master", a, b)).isTrue();

    assertThat(store.getBranch("images", "master").orElseThrow().head()).isEqualTo(b);
  }

  @Test
  void casBranchHeadFromAStaleHeadFailsAndChangesNothing() {
    store.createRepo(repo("images"));
    store.createBranch(branch("images", "master"));
    String a = newId();
    assertThat(store.casBranchHead("images", "master", null, a)).isTrue();

    assertThat(store.casBranchHead("images", "master", null, newId())).isFalse();
    assertThat(store.casBranchHead("images", "master", newId(), newId())).isFalse();

    assertThat(store.getBranch("images", "master").orElseThrow().head()).isEqualTo(a);
  }

  @Test
  void casBranchHeadCanResetTheHeadToNone() {
    store.createRepo(repo("images"));
    String a = newId();
    store.createBranch(new BranchRecord("images", "master", a, List.of()));

    assertThat(store.casBranchHead("images", "master", a, null)).isTrue();

    assertThat(store.getBranch("images", "master").orElseThrow().head()).isNull();
  }

  @Test
  void casBranchHeadOfAMissingBranchReturnsFalse() {
    store.createRepo(repo("images"));

    assertThat(store.casBranchHead("images", "master", null, newId())).isFalse();
    assertThat(store.getBranch("images", "master")).isEmpty();
  }

  @Test
  void racingCasBranchHeadHasExactlyOneWinnerPerRound() throws Exception {
    store.createRepo(repo("images"));
    store.createBranch(branch("images", "master"));
    int threads = 8;
    int rounds = 25;
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicInteger[] winners = new AtomicInteger[rounds];
    for (int r = 0; r < rounds; r++) {
      winners[r] = new AtomicInteger();
    }

    runConcurrently(
        threads,
        t -> {
          for (int r = 0; r < rounds; r++) {
            // Every thread reads the head before any of them moves it.
            String head = store.getBranch("images", "master").orElseThrow().head();
            start.await(30, TimeUnit.SECONDS);
            if (store.casBranchHead("images", "master", head, "round" + r + "-thread" + t)) {
              winners[r].incrementAndGet();
            }
            start.await(30, TimeUnit.SECONDS);
          }
          return null;
        });

    for (int r = 0; r < rounds; r++) {
      assertThat(winners[r]).as("winners of round %d", r).hasValue(1);
    }
    assertThat(store.getBranch("images", "master").orElseThrow().head())
        .startsWith("round" + (rounds - 1) + "-");
  }

  // ---- commits ----

  @Test
  void insertedCommitKeepsEveryField() {
    store.createRepo(repo("edges"));
    CommitRecord open =
        new CommitRecord(
            newId(),
            "edges",
            "master",
            null,
            CommitState.OPEN,
            T0,
            null,
            "first",
            TreeRef.EMPTY,
            newId(),
            List.of(
                new CommitProvenance("raw", "master", newId()),
                new CommitProvenance("code", "v2", newId()),
                new CommitProvenance("a", "b", newId())));
    CommitRecord finished =
        new CommitRecord(
            newId(),
            "edges",
            "dev",
            open.id(),
            CommitState.FINISHED,
            Instant.parse("1969-07-20T20:17:40.000001Z"),
            Instant.parse("2262-04-11T23:47:16.854775Z"),
            "",
            tree("finished", Long.MAX_VALUE, 1L << 40),
            open.commitSet(),
            List.of());

    assertThat(store.insertCommit(open, null)).isTrue();
    assertThat(store.insertCommit(finished, null)).isTrue();

    assertThat(store.getCommit(open.id())).contains(open);
    assertThat(store.getCommit(finished.id())).contains(finished);
  }

  @Test
  void insertCommitCreatesAMissingBranchWhenNoHeadIsExpected() {
    store.createRepo(repo("images"));
    CommitRecord commit = open("images", "master", null);

    assertThat(store.insertCommit(commit, null)).isTrue();

    assertThat(store.getBranch("images", "master"))
        .contains(new BranchRecord("images", "master", commit.id(), List.of()));
  }

  @Test
  void insertCommitMovesTheHeadOfAnExistingBranch() {
    store.createRepo(repo("images"));
    store.createBranch(new BranchRecord("images", "master", null, List.of(key("raw", "master"))));
    CommitRecord first = open("images", "master", null);
    CommitRecord second = open("images", "master", first.id());

    assertThat(store.insertCommit(first, null)).isTrue();
    assertThat(store.insertCommit(second, first.id())).isTrue();

    assertThat(store.getBranch("images", "master"))
        .contains(new BranchRecord("images", "master", second.id(), List.of(key("raw", "master"))));
  }

  @Test
  void insertCommitFromAStaleHeadReturnsFalseAndInsertsNothing() {
    store.createRepo(repo("images"));
    CommitRecord first = open("images", "master", null);
    assertThat(store.insertCommit(first, null)).isTrue();
    CommitRecord late = open("images", "master", null);
    CommitRecord wrong = open("images", "master", newId());

    assertThat(store.insertCommit(late, null)).isFalse();
    assertThat(store.insertCommit(wrong, wrong.parent())).isFalse();

    assertThat(store.getCommit(late.id())).isEmpty();
    assertThat(store.getCommit(wrong.id())).isEmpty();
    assertThat(store.listCommits("images")).containsExactly(first);
    assertThat(store.getBranch("images", "master").orElseThrow().head()).isEqualTo(first.id());
  }

  @Test
  void insertCommitOnAMissingBranchWithAnExpectedHeadReturnsFalse() {
    store.createRepo(repo("images"));
    CommitRecord commit = open("images", "master", newId());

    assertThat(store.insertCommit(commit, commit.parent())).isFalse();

    assertThat(store.getCommit(commit.id())).isEmpty();
    assertThat(store.getBranch("images", "master")).isEmpty();
  }

  @Test
  void insertCommitIntoAMissingRepoFailsWithRepoNotFound() {
    CommitRecord commit = open("nope", "master", null);

    assertThatThrownBy(() -> store.insertCommit(commit, null))
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.REPO_NOT_FOUND))
        .hasMessageContaining("'nope'");
    assertThat(store.getCommit(commit.id())).isEmpty();
  }

  @Test
  void insertingACommitIdTwiceFailsAndLeavesTheBranchAlone() {
    store.createRepo(repo("images"));
    CommitRecord first = open("images", "master", null);
    assertThat(store.insertCommit(first, null)).isTrue();
    CommitRecord sameId = open("images", "dev", null);
    CommitRecord duplicate = withId(sameId, first.id());

    assertThatThrownBy(() -> store.insertCommit(duplicate, null))
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
        .hasMessageContaining("images@" + first.id());
    assertThat(store.getBranch("images", "dev")).isEmpty();
    assertThat(store.getCommit(first.id())).contains(first);
  }

  @Test
  void missingCommitIsEmpty() {
    assertThat(store.getCommit(newId())).isEmpty();
  }

  @Test
  void casCommitReplacesAnOpenCommitWithTheExpectedTree() {
    store.createRepo(repo("images"));
    CommitRecord open = open("images", "master", null);
    store.insertCommit(open, null);
    CommitRecord grown = open.withTree(tree("grown", 10, 1));
    CommitRecord finished = grown.finish(T0.plusSeconds(5), "done");

    assertThat(store.casCommit(open, grown)).isTrue();
    assertThat(store.casCommit(grown, finished)).isTrue();

    assertThat(store.getCommit(open.id())).contains(finished);
    assertThat(store.openCommits()).isEmpty();
  }

  @Test
  void casCommitFromAStaleTreeReturnsFalseAndChangesNothing() {
    store.createRepo(repo("images"));
    CommitRecord open = open("images", "master", null);
    store.insertCommit(open, null);
    CommitRecord theirs = open.withTree(tree("theirs", 1, 1));
    assertThat(store.casCommit(open, theirs)).isTrue();

    assertThat(store.casCommit(open, open.withTree(tree("mine", 2, 2)))).isFalse();

    assertThat(store.getCommit(open.id())).contains(theirs);
  }

  @Test
  void casCommitNeverReplacesAFinishedCommit() {
    store.createRepo(repo("images"));
    CommitRecord finished = open("images", "master", null).finish(T0.plusSeconds(1), "done");
    store.insertCommit(finished, null);
    CommitRecord reopened =
        new CommitRecord(
            finished.id(),
            "images",
            "master",
            null,
            CommitState.OPEN,
            T0,
            null,
            "x",
            tree("other", 1, 1),
            finished.commitSet(),
            List.of());
    CommitRecord refinished = finished.finish(T0.plusSeconds(9), "changed");

    assertThat(store.casCommit(finished, reopened)).isFalse();
    assertThat(store.casCommit(finished, refinished)).isFalse();
    // Even when the caller wrongly believes it still open.
    assertThat(store.casCommit(reopened.withTree(finished.tree()), refinished)).isFalse();

    assertThat(store.getCommit(finished.id())).contains(finished);
  }

  @Test
  void casCommitOfAMissingCommitReturnsFalse() {
    CommitRecord ghost = open("images", "master", null);

    assertThat(store.casCommit(ghost, ghost.withTree(tree("x", 1, 1)))).isFalse();
    assertThat(store.getCommit(ghost.id())).isEmpty();
  }

  @Test
  void casCommitReplacesProvenanceWhenTheCallerChangesIt() {
    store.createRepo(repo("images"));
    CommitRecord open =
        withProvenance(
            open("images", "master", null), List.of(new CommitProvenance("a", "master", newId())));
    store.insertCommit(open, null);
    List<CommitProvenance> provenance =
        List.of(
            new CommitProvenance("c", "master", newId()),
            new CommitProvenance("b", "master", newId()));
    CommitRecord updated = withProvenance(open, provenance);

    assertThat(store.casCommit(open, updated)).isTrue();

    assertThat(store.getCommit(open.id()).orElseThrow().provenance()).isEqualTo(provenance);
  }

  @Test
  void casCommitRefusesToReplaceACommitWithAnother() {
    CommitRecord a = open("images", "master", null);
    CommitRecord b = open("images", "master", null);

    assertThatThrownBy(() -> store.casCommit(a, b)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void commitsAreListedNewestFirstThenByIdDescending() {
    store.createRepo(repo("images"));
    store.createRepo(repo("other"));
    CommitRecord oldest = startedAt(open("images", "master", null), T0);
    CommitRecord tieLow =
        withId(startedAt(open("images", "a", null), T0.plusMillis(1)), "0" + newId().substring(1));
    CommitRecord tieHigh =
        withId(startedAt(open("images", "b", null), T0.plusMillis(1)), "f" + newId().substring(1));
    CommitRecord newest = startedAt(open("images", "c", null), T0.plusSeconds(60));
    CommitRecord elsewhere = startedAt(open("other", "master", null), T0.plusSeconds(30));
    for (CommitRecord c : List.of(tieLow, newest, oldest, elsewhere, tieHigh)) {
      assertThat(store.insertCommit(c, null)).isTrue();
    }

    assertThat(store.listCommits("images")).containsExactly(newest, tieHigh, tieLow, oldest);
    assertThat(store.listCommits("nope")).isEmpty();
  }

  @Test
  void listedCommitsCarryTheirProvenance() {
    store.createRepo(repo("images"));
    CommitRecord first =
        withProvenance(
            startedAt(open("images", "master", null), T0),
            List.of(
                new CommitProvenance("a", "m", newId()), new CommitProvenance("b", "m", newId())));
    CommitRecord second =
        withProvenance(
            startedAt(open("images", "master", first.id()), T0.plusSeconds(1)),
            List.of(new CommitProvenance("c", "m", newId())));
    store.insertCommit(first, null);
    store.insertCommit(second, first.id());

    assertThat(store.listCommits("images")).containsExactly(second, first);
  }

  @Test
  void openCommitsListsOnlyOpenOnesOfEveryRepo() {
    store.createRepo(repo("a"));
    store.createRepo(repo("b"));
    CommitRecord openA = open("a", "master", null);
    CommitRecord finishedA = open("a", "dev", null).finish(T0.plusSeconds(1), "");
    CommitRecord openB = open("b", "master", null);
    store.insertCommit(openB, null);
    store.insertCommit(finishedA, null);
    store.insertCommit(openA, null);

    assertThat(store.openCommits()).containsExactly(openA, openB);
  }

  @Test
  void instantsKeepMicrosecondsAndDropNanoseconds() {
    store.createRepo(new RepoRecord("r", Instant.parse("2025-01-01T00:00:00.999999999Z"), ""));
    store.createRepo(new RepoRecord("s", Instant.parse("1900-01-01T00:00:00.000001Z"), ""));

    assertThat(store.getRepo("r").orElseThrow().created())
        .isEqualTo(Instant.parse("2025-01-01T00:00:00.999999Z"));
    assertThat(store.getRepo("s").orElseThrow().created())
        .isEqualTo(Instant.parse("1900-01-01T00:00:00.000001Z"));
  }

  // ---- several daemons, lifecycle ----

  @Test
  void anotherStoreOnTheSameDatabaseSeesCommittedData() {
    store.createRepo(repo("images"));
    CommitRecord commit = open("images", "master", null);
    store.insertCommit(commit, null);

    MetadataStore other = openAnother();

    assertThat(other.getRepo("images")).isPresent();
    assertThat(other.getCommit(commit.id())).contains(commit);
    other.createRepo(repo("more"));
    assertThat(store.getRepo("more")).isPresent();
  }

  @Test
  void dataSurvivesClosingAndReopening() {
    store.createRepo(repo("images"));
    CommitRecord commit = open("images", "master", null);
    store.insertCommit(commit, null);
    store.close();

    MetadataStore reopened = openAnother();

    assertThat(reopened.getCommit(commit.id())).contains(commit);
    assertThat(reopened.getBranch("images", "master").orElseThrow().head()).isEqualTo(commit.id());
  }

  @Test
  void twoStoresRacingOnOneBranchLoseNoUpdates() throws Exception {
    store.createRepo(repo("images"));
    MetadataStore[] daemons = {store, openAnother()};
    int threads = 8;
    int rounds = 20;
    CyclicBarrier barrier = new CyclicBarrier(threads);
    AtomicInteger[] winners = new AtomicInteger[rounds];
    for (int r = 0; r < rounds; r++) {
      winners[r] = new AtomicInteger();
    }

    runConcurrently(
        threads,
        t -> {
          MetadataStore daemon = daemons[t % daemons.length];
          for (int r = 0; r < rounds; r++) {
            String head = daemon.getBranch("images", "master").map(BranchRecord::head).orElse(null);
            barrier.await(30, TimeUnit.SECONDS);
            if (daemon.insertCommit(open("images", "master", head), head)) {
              winners[r].incrementAndGet();
            }
            barrier.await(30, TimeUnit.SECONDS);
          }
          return null;
        });

    for (int r = 0; r < rounds; r++) {
      assertThat(winners[r]).as("winners of round %d", r).hasValue(1);
    }
    // Walking the parents from the head visits every commit: none was lost or forked off.
    List<CommitRecord> commits = store.listCommits("images");
    assertThat(commits).hasSize(rounds);
    String id = store.getBranch("images", "master").orElseThrow().head();
    int chain = 0;
    while (id != null) {
      id = store.getCommit(id).orElseThrow().parent();
      chain++;
    }
    assertThat(chain).isEqualTo(rounds);
  }

  @Test
  void closeIsIdempotentAndLaterCallsFailWithUnavailable() {
    store.close();
    store.close();

    assertThatThrownBy(() -> store.listRepos())
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
  }

  // ---- helpers ----

  static RepoRecord repo(String name) {
    return new RepoRecord(name, T0, "");
  }

  static BranchRecord branch(String repo, String name) {
    return new BranchRecord(repo, name, null, List.of());
  }

  static BranchKey key(String repo, String branch) {
    return new BranchKey(repo, branch);
  }

  static String newId() {
    return sha256("commit-" + IDS.incrementAndGet() + "-" + System.nanoTime()).substring(0, 32);
  }

  /** An open commit with a fresh id, the empty tree and no provenance. */
  static CommitRecord open(String repo, String branch, String parent) {
    return new CommitRecord(
        newId(),
        repo,
        branch,
        parent,
        CommitState.OPEN,
        T0,
        null,
        "",
        TreeRef.EMPTY,
        newId(),
        List.of());
  }

  static TreeRef tree(String seed, long size, long fileCount) {
    String hash = sha256(seed);
    String page = sha256("page-" + seed);
    return new TreeRef("trees/" + page.substring(0, 2) + "/" + page, hash, size, fileCount);
  }

  static CommitRecord withProvenance(CommitRecord c, List<CommitProvenance> provenance) {
    return new CommitRecord(
        c.id(),
        c.repo(),
        c.branch(),
        c.parent(),
        c.state(),
        c.started(),
        c.finished(),
        c.description(),
        c.tree(),
        c.commitSet(),
        provenance);
  }

  static CommitRecord withId(CommitRecord c, String id) {
    return new CommitRecord(
        id,
        c.repo(),
        c.branch(),
        c.parent(),
        c.state(),
        c.started(),
        c.finished(),
        c.description(),
        c.tree(),
        c.commitSet(),
        c.provenance());
  }

  static CommitRecord startedAt(CommitRecord c, Instant started) {
    return new CommitRecord(
        c.id(),
        c.repo(),
        c.branch(),
        c.parent(),
        c.state(),
        started,
        c.finished(),
        c.description(),
        c.tree(),
        c.commitSet(),
        c.provenance());
  }

  private static String sha256(String s) {
    try {
      return HEX.formatHex(
          MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** A task of one racing thread, given its index. */
  @FunctionalInterface
  interface Racer {
    Void run(int thread) throws Exception;
  }

  /** Runs {@code threads} racers at once and rethrows the first failure. */
  static void runConcurrently(int threads, Racer racer) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Callable<Void> task = () -> racer.run(thread);
        futures.add(pool.submit(task));
      }
      for (Future<Void> future : futures) {
        future.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
