package dev.tusk.fsd.version;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tusk.api.ErrorCode;
import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ContentReader;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.BranchKey;
import dev.tusk.fsd.store.BranchRecord;
import dev.tusk.fsd.store.CommitProvenance;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.store.CommitState;
import dev.tusk.fsd.store.MetadataStore;
import dev.tusk.fsd.store.RepoRecord;
import dev.tusk.fsd.tree.Diff;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.tree.EntryType;
import dev.tusk.fsd.tree.TreeChange;
import dev.tusk.fsd.tree.TreePaths;
import dev.tusk.fsd.tree.TreeRef;
import dev.tusk.fsd.tree.TreeStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versioned file system: repos, branches, commits and their file trees.
 *
 * <p>State lives in the {@link MetadataStore} and the object store, never only in this object, so
 * several daemons can share one database and bucket: branch heads and open commits change only by
 * compare-and-set, retried on conflict. Finished commits are immutable and cached.
 *
 * <p><b>Crash rule:</b> every {@link Modification} lands atomically, so an open commit only ever
 * holds whole acknowledged changes. At startup {@link #finishOpenCommits()} finishes the open
 * commits left by a crash with exactly that content.
 */
public final class Pfs {
  private static final Logger LOG = LoggerFactory.getLogger(Pfs.class);
  private static final int CAS_ATTEMPTS = 50;
  private static final Duration WAIT_POLL = Duration.ofMillis(200);

  private final MetadataStore meta;
  private final TreeStore trees;
  private final ChunkStore chunks;
  private final Clock clock;
  private final Cache<String, CommitRecord> finished = Caffeine.newBuilder().maximumSize(100_000).build();
  private final ReentrantLock finishLock = new ReentrantLock();
  private final Condition commitFinished = finishLock.newCondition();
  private final List<Consumer<CommitRecord>> finishListeners = new CopyOnWriteArrayList<>();
  /**
   * Writers of this process take turns per branch (by stripe) to apply their changes, so that many
   * at once (parallel uploads, an S3 client's ten puts) do not spend their compare-and-set attempts
   * on each other. The compare-and-set stays the guard against other daemons.
   */
  private final ReentrantLock[] branchWriters = new ReentrantLock[64];

  public Pfs(MetadataStore meta, TreeStore trees, ChunkStore chunks, Clock clock) {
    this.meta = meta;
    this.trees = trees;
    this.chunks = chunks;
    this.clock = clock;
    for (int i = 0; i < branchWriters.length; i++) {
      branchWriters[i] = new ReentrantLock();
    }
  }

  // ---- repos ----

  public RepoRecord createRepo(String name, String description, boolean update) {
    Names.checkRepo(name);
    Optional<RepoRecord> existing = meta.getRepo(name);
    if (existing.isPresent()) {
      if (!update) {
        throw new PfsException(ErrorCode.REPO_EXISTS, "Repo '" + name + "' already exists");
      }
      meta.updateRepoDescription(name, description == null ? "" : description);
      return inspectRepo(name);
    }
    RepoRecord repo = new RepoRecord(name, now(), description);
    meta.createRepo(repo);
    return repo;
  }

  public RepoRecord inspectRepo(String name) {
    Names.checkRepo(name);
    return meta.getRepo(name)
        .orElseThrow(() -> new PfsException(ErrorCode.REPO_NOT_FOUND, "Repo '" + name + "' not found"));
  }

  public List<RepoRecord> listRepos() {
    return meta.listRepos();
  }

  /** The size of the head of the repo's master branch, or 0 when it has none. */
  public long repoSize(String name) {
    return meta.getBranch(name, Ref.DEFAULT_BRANCH)
        .filter(b -> b.head() != null)
        .flatMap(b -> meta.getCommit(b.head()))
        .map(c -> c.tree().size())
        .orElse(0L);
  }

  public void deleteRepo(String name, boolean force) {
    inspectRepo(name);
    if (!force) {
      for (BranchRecord branch : meta.listBranches(name)) {
        for (BranchRecord downstream : meta.branchesProvenantOn(branch.key())) {
          if (!downstream.repo().equals(name)) {
            throw new PfsException(
                ErrorCode.IN_USE,
                "Cannot delete repo '" + name + "': branch " + downstream.key()
                    + " is provenant on " + branch.key() + " (use --force)");
          }
        }
      }
    }
    meta.deleteRepo(name);
  }

  // ---- branches ----

  /**
   * Creates a branch, or moves an existing one, to {@code headRef} (a ref in the same repo, or
   * empty for no head).
   */
  public BranchRecord createBranch(String repo, String name, String headRef, List<BranchKey> provenance) {
    inspectRepo(repo);
    Names.checkBranch(name);
    for (BranchKey upstream : provenance) {
      inspectBranch(upstream.repo(), upstream.branch());
    }
    String head = null;
    if (headRef != null && !headRef.isEmpty()) {
      CommitRecord target = resolve(headRef.contains("@") ? headRef : repo + "@" + headRef);
      if (!target.repo().equals(repo)) {
        throw new PfsException(
            ErrorCode.INVALID_ARGUMENT,
            "Cannot point branch " + repo + "@" + name + " at " + headRef + ": it is in another repo");
      }
      head = target.id();
    }
    Optional<BranchRecord> existing = meta.getBranch(repo, name);
    if (existing.isEmpty()) {
      BranchRecord branch = new BranchRecord(repo, name, head, provenance);
      meta.createBranch(branch);
      return branch;
    }
    if (head != null && !meta.casBranchHead(repo, name, existing.get().head(), head)) {
      throw new PfsException(
          ErrorCode.CONFLICT, "Branch " + repo + "@" + name + " moved while being updated; try again");
    }
    return inspectBranch(repo, name);
  }

  public BranchRecord inspectBranch(String repo, String name) {
    Names.checkRepo(repo);
    Names.checkBranch(name);
    return meta.getBranch(repo, name)
        .orElseThrow(
            () -> {
              inspectRepo(repo);
              return new PfsException(
                  ErrorCode.BRANCH_NOT_FOUND, "Branch " + repo + "@" + name + " not found");
            });
  }

  public List<BranchRecord> listBranches(String repo) {
    inspectRepo(repo);
    return meta.listBranches(repo);
  }

  public void deleteBranch(String repo, String name) {
    inspectBranch(repo, name);
    meta.deleteBranch(repo, name);
  }

  // ---- commits ----

  /** Opens a commit on {@code branch} (created if new); the branch head moves to it. */
  public CommitRecord startCommit(String repo, String branch, String parentRef, String description) {
    inspectRepo(repo);
    Names.checkBranch(branch);
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      String head = meta.getBranch(repo, branch).map(BranchRecord::head).orElse(null);
      CommitRecord parent = parentRef == null || parentRef.isEmpty()
          ? (head == null ? null : commit(head))
          : resolve(parentRef);
      if (head != null && commit(head).state() == CommitState.OPEN) {
        throw new PfsException(
            ErrorCode.COMMIT_OPEN,
            "Branch " + repo + "@" + branch + " already has an open commit " + head
                + "; finish it first");
      }
      String id = newId();
      CommitRecord open = new CommitRecord(
          id, repo, branch, parent == null ? null : parent.id(), CommitState.OPEN, now(), null,
          description, parent == null ? TreeRef.EMPTY : parent.tree(), id, List.of());
      if (meta.insertCommit(open, head)) {
        return open;
      }
    }
    throw conflict("start a commit on " + repo + "@" + branch);
  }

  public CommitRecord finishCommit(String ref, String description) {
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      CommitRecord commit = resolve(ref);
      if (commit.state() == CommitState.FINISHED) {
        throw new PfsException(
            ErrorCode.COMMIT_FINISHED,
            "Cannot finish commit " + commit.repo() + "@" + commit.id() + ": already finished");
      }
      CommitRecord done = commit.finish(
          now(), description == null || description.isEmpty() ? commit.description() : description);
      if (meta.casCommit(commit, done)) {
        signalFinished(done);
        return done;
      }
    }
    throw conflict("finish " + ref);
  }

  /** The commit a ref names. */
  public CommitRecord inspectCommit(String ref) {
    return resolve(ref);
  }

  /** Waits until the commit a ref names is finished, up to {@code timeout}. */
  public CommitRecord waitCommit(String ref, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    CommitRecord commit = resolve(ref);
    while (commit.state() == CommitState.OPEN) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new PfsException(
            ErrorCode.UNAVAILABLE, "Commit " + commit.repo() + "@" + commit.id() + " is still open");
      }
      finishLock.lock();
      try {
        // Also polls: another daemon may finish it.
        commitFinished.await(Math.min(left, WAIT_POLL.toNanos()), TimeUnit.NANOSECONDS);
      } finally {
        finishLock.unlock();
      }
      commit = commit(commit.id());
    }
    return commit;
  }

  /**
   * Commits newest first: a branch's history following parents from its head, or with no branch
   * every commit of the repo. {@code limit} 0 means all.
   */
  public List<CommitRecord> listCommits(String repo, String branch, long limit) {
    inspectRepo(repo);
    long max = limit <= 0 ? Long.MAX_VALUE : limit;
    if (branch == null || branch.isEmpty()) {
      return meta.listCommits(repo).stream().limit(max).toList();
    }
    List<CommitRecord> history = new ArrayList<>();
    String next = inspectBranch(repo, branch).head();
    while (next != null && history.size() < max) {
      CommitRecord commit = commit(next);
      history.add(commit);
      next = commit.parent();
    }
    return history;
  }

  /** Finishes every commit left open by a crash (see the class comment); returns how many. */
  public int finishOpenCommits() {
    int count = 0;
    for (CommitRecord open : meta.openCommits()) {
      if (meta.casCommit(open, open.finish(now(), open.description()))) {
        LOG.info("Finished commit {}@{} left open by a previous run", open.repo(), open.id());
        count++;
      }
    }
    return count;
  }

  // ---- files ----

  /** Starts a batch of file changes to {@code repo@branch} (see {@link Modification}). */
  public Modification modify(String repo, String branch, String description) {
    inspectRepo(repo);
    Names.checkBranch(branch);
    return new Modification(this, repo, branch, description, chunks.newWriter());
  }

  /** What {@code repo@ref:/path} holds. */
  public Entry inspectFile(String fileRef) {
    Ref.FileRef file = Ref.parseFile(fileRef);
    return lookup(resolve(file.ref()), file.path());
  }

  public Entry lookup(CommitRecord commit, String path) {
    String normalized = TreePaths.normalize(path);
    try {
      return trees.get(commit.tree(), normalized)
          .orElseThrow(
              () -> new PfsException(
                  ErrorCode.FILE_NOT_FOUND,
                  "File " + normalized + " not found in " + commit.repo() + "@" + commit.id()));
    } catch (IOException e) {
      throw storageFailure(commit, e);
    }
  }

  /** The entries of a directory (or the file itself), in name order. */
  public Stream<Entry> listFile(CommitRecord commit, String path) {
    try {
      return trees.list(commit.tree(), TreePaths.normalize(path));
    } catch (IOException e) {
      throw storageFailure(commit, e);
    }
  }

  /** Every file and directory whose path matches a pachctl-style glob, in path order. */
  public Stream<Entry> globFile(CommitRecord commit, String pattern) {
    Glob glob = Glob.compile(pattern);
    try {
      if (trees.get(commit.tree(), glob.literalPrefix()).isEmpty()) {
        return Stream.empty();
      }
      return trees.walk(commit.tree(), glob.literalPrefix()).filter(e -> glob.matches(e.path()));
    } catch (IOException e) {
      throw storageFailure(commit, e);
    }
  }

  /** What changed under {@code path} from {@code older} (its parent, if null) to {@code newer}. */
  public Stream<Diff> diff(CommitRecord newer, CommitRecord older, String path) {
    TreeRef base = older != null
        ? older.tree()
        : newer.parent() == null ? TreeRef.EMPTY : commit(newer.parent()).tree();
    try {
      return trees.diff(base, newer.tree(), TreePaths.normalize(path));
    } catch (IOException e) {
      throw storageFailure(newer, e);
    }
  }

  /** The chunk store that holds the files' bytes. */
  public ChunkStore chunks() {
    return chunks;
  }

  /** Fails unless every chunk of {@code content} is in the store. */
  void checkStored(String path, FileContent content) throws IOException {
    Optional<ChunkId> missing = chunks.firstMissing(content.refs().stream().map(DataRef::chunk).toList());
    if (missing.isPresent()) {
      throw new PfsException(
          ErrorCode.INVALID_ARGUMENT, "Chunk " + missing.get() + " of " + path + " is not in the store");
    }
  }

  /** A reader of a file's bytes. */
  public ContentReader open(Entry file) {
    if (file.type() != EntryType.FILE) {
      throw new PfsException(ErrorCode.IS_A_DIRECTORY, file.path() + " is a directory");
    }
    return chunks.reader(file.content());
  }

  // ---- resolution ----

  /** The commit a ref names, following {@code ^N}. */
  public CommitRecord resolve(String ref) {
    return resolve(Ref.parse(ref));
  }

  public CommitRecord resolve(Ref ref) {
    CommitRecord commit;
    if (ref.isCommitId()) {
      commit = meta.getCommit(ref.name())
          .filter(c -> c.repo().equals(ref.repo()))
          .orElseThrow(() -> notFound(ref));
    } else {
      BranchRecord branch = inspectBranch(ref.repo(), ref.name());
      if (branch.head() == null) {
        throw new PfsException(
            ErrorCode.COMMIT_NOT_FOUND, "Branch " + branch.key() + " has no commits yet");
      }
      commit = commit(branch.head());
    }
    for (int i = 0; i < ref.ancestor(); i++) {
      if (commit.parent() == null) {
        throw new PfsException(
            ErrorCode.COMMIT_NOT_FOUND,
            ref + ": " + commit.repo() + "@" + commit.id() + " has only " + i + " ancestors");
      }
      commit = commit(commit.parent());
    }
    return commit;
  }

  /** A commit by id; finished ones come from the cache. */
  CommitRecord commit(String id) {
    CommitRecord cached = finished.getIfPresent(id);
    if (cached != null) {
      return cached;
    }
    CommitRecord commit = meta.getCommit(id)
        .orElseThrow(() -> new PfsException(ErrorCode.COMMIT_NOT_FOUND, "Commit " + id + " not found"));
    if (commit.state() == CommitState.FINISHED) {
      finished.put(id, commit);
    }
    return commit;
  }

  /**
   * Applies a batch to the branch: into its open commit if it has one, else as a new finished
   * commit on top of its head. Retried from fresh state when another writer got there first.
   */
  CommitRecord applyChanges(String repo, String branch, String description, List<TreeChange> changes)
      throws IOException {
    ReentrantLock writer = branchWriter(repo, branch);
    CommitRecord result;
    writer.lock();
    try {
      result = applyChangesLocked(repo, branch, description, changes);
    } finally {
      writer.unlock();
    }
    if (result.state() == CommitState.FINISHED) {
      signalFinished(result); // listeners run outside the branch's turn
    }
    return result;
  }

  private CommitRecord applyChangesLocked(
      String repo, String branch, String description, List<TreeChange> changes) throws IOException {
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      String head = meta.getBranch(repo, branch).map(BranchRecord::head).orElse(null);
      CommitRecord base = head == null ? null : commit(head);
      if (base != null && base.state() == CommitState.OPEN) {
        CommitRecord updated = base.withTree(trees.apply(base.tree(), changes));
        if (meta.casCommit(base, updated)) {
          return updated;
        }
        continue;
      }
      TreeRef tree = trees.apply(base == null ? TreeRef.EMPTY : base.tree(), changes);
      String id = newId();
      Instant at = now();
      CommitRecord commit = new CommitRecord(
          id, repo, branch, head, CommitState.FINISHED, at, at, description, tree, id, List.of());
      if (meta.insertCommit(commit, head)) {
        return commit;
      }
    }
    throw conflict("commit to " + repo + "@" + branch);
  }

  private ReentrantLock branchWriter(String repo, String branch) {
    int hash = (repo.hashCode() * 31 + branch.hashCode()) & Integer.MAX_VALUE;
    return branchWriters[hash % branchWriters.length];
  }

  /**
   * Writes a pipeline job's output: a finished commit with the chosen {@code id}, made of the
   * branch head's tree with {@code changes} applied, naming its input commits as provenance and
   * joining their commit set. Idempotent: if commit {@code id} exists already (a crash came between
   * writing it and recording the job's success), that commit is returned unchanged.
   */
  public CommitRecord commitOutput(
      String repo,
      String branch,
      String id,
      String description,
      List<TreeChange> changes,
      String commitSet,
      List<CommitProvenance> provenance)
      throws IOException {
    for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      Optional<CommitRecord> existing = meta.getCommit(id);
      if (existing.isPresent()) {
        return existing.get();
      }
      String head = meta.getBranch(repo, branch).map(BranchRecord::head).orElse(null);
      CommitRecord base = head == null ? null : commit(head);
      if (base != null && base.state() == CommitState.OPEN) {
        throw new PfsException(
            ErrorCode.COMMIT_OPEN,
            "Cannot write the output of a job to " + repo + "@" + branch + ": commit " + head
                + " is open on it; finish it");
      }
      TreeRef tree = trees.apply(base == null ? TreeRef.EMPTY : base.tree(), changes);
      Instant at = now();
      CommitRecord commit = new CommitRecord(
          id, repo, branch, head, CommitState.FINISHED, at, at, description, tree, commitSet, provenance);
      if (meta.insertCommit(commit, head)) {
        signalFinished(commit);
        return commit;
      }
    }
    throw conflict("commit the output of a job to " + repo + "@" + branch);
  }

  /**
   * Calls {@code listener} with every commit this daemon finishes (on the finishing thread: it
   * must be quick). Commits finished by other daemons sharing the database are not seen.
   */
  public void onCommitFinished(Consumer<CommitRecord> listener) {
    finishListeners.add(listener);
  }

  /** A fresh commit or job id: 32 lowercase hex digits. */
  public static String newId() {
    return UUID.randomUUID().toString().replace("-", "");
  }

  private void signalFinished(CommitRecord commit) {
    finishLock.lock();
    try {
      commitFinished.signalAll();
    } finally {
      finishLock.unlock();
    }
    for (Consumer<CommitRecord> listener : finishListeners) {
      try {
        listener.accept(commit);
      } catch (RuntimeException e) {
        LOG.warn("A commit listener failed on {}@{}", commit.repo(), commit.id(), e);
      }
    }
  }

  private Instant now() {
    return clock.instant();
  }

  private static PfsException notFound(Ref ref) {
    return new PfsException(ErrorCode.COMMIT_NOT_FOUND, "Commit " + ref + " not found");
  }

  private static PfsException conflict(String what) {
    return new PfsException(
        ErrorCode.CONFLICT, "Cannot " + what + ": concurrent writers kept winning; try again");
  }

  private static PfsException storageFailure(CommitRecord commit, IOException e) {
    return new PfsException(
        ErrorCode.INTERNAL,
        "Cannot read the tree of " + commit.repo() + "@" + commit.id() + ": " + e.getMessage(),
        new UncheckedIOException(e));
  }
}
