package dev.tusk.mount;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.Timestamp;
import dev.tusk.api.ErrorCode;
import dev.tusk.api.TuskClient;
import dev.tusk.api.TuskException;
import dev.tusk.api.v1.BranchInfo;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CommitState;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileType;
import dev.tusk.api.v1.RepoInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the mount shows, asked of the daemon and cached: finished commits never change, so their
 * files are cached until evicted; branch heads, open commits and the list of branches are trusted
 * for {@link MountOptions#refresh()} only.
 */
final class Namespace {
  private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9_-]+");
  /** About 200 bytes an entry plus 48 a data ref: some tens of MB of metadata at most. */
  private static final long FILE_CACHE_WEIGHT = 64L << 20;
  /** Entries of listed directories whose order is kept (about 60 bytes each). */
  private static final long LISTED_ENTRIES = 1 << 20;

  private final TuskClient client;
  private final MountOptions options;
  private final Cache<String, List<String>> tops;
  private final Cache<String, Snapshot> snapshots;
  private final Cache<String, Snapshot> finishedCommits;
  private final Cache<String, FileInfo> files;
  /** The order of listed directories of finished commits, for reading ahead across their files. */
  private final Cache<String, SiblingReadAhead> listings;

  Namespace(TuskClient client, MountOptions options) {
    this.client = client;
    this.options = options;
    this.tops = Caffeine.newBuilder().expireAfterWrite(options.refresh()).maximumSize(1).build();
    this.snapshots = Caffeine.newBuilder().expireAfterWrite(options.refresh()).maximumSize(10_000).build();
    this.finishedCommits = Caffeine.newBuilder().maximumSize(10_000).build();
    this.files = Caffeine.newBuilder()
        .maximumWeight(FILE_CACHE_WEIGHT)
        .<String, FileInfo>weigher((key, info) -> 200 + 48 * info.getDataCount())
        .build();
    this.listings = Caffeine.newBuilder()
        .maximumWeight(LISTED_ENTRIES)
        .<String, SiblingReadAhead>weigher((key, order) -> 1 + order.size())
        .build();
  }

  /** {@code repo@branch} for every branch of every repo shown, in order. */
  List<String> topNames() {
    return tops.get("", key -> {
      List<String> names = new ArrayList<>();
      try (Stream<RepoInfo> repos = client.listRepo()) {
        repos.filter(repo -> options.shows(repo.getName()))
            .forEach(repo -> repo.getBranchesList().forEach(b -> names.add(repo.getName() + "@" + b)));
      }
      return List.copyOf(names);
    });
  }

  /** The commit {@code path}'s top directory shows now. */
  Snapshot snapshot(FusePath path) {
    if (!options.shows(path.repo())) {
      throw Errno.enoent(path.repo());
    }
    String key = path.repo() + "@" + path.ref();
    Snapshot known = finishedCommits.getIfPresent(key);
    if (known != null) {
      return known;
    }
    Snapshot snapshot = snapshots.get(key, k -> resolve(path.repo(), path.ref()));
    if (snapshot.finished() && path.ref().equals(snapshot.commitId())) {
      finishedCommits.put(key, snapshot);
    }
    return snapshot;
  }

  /** The file or directory at {@code path} in {@code snapshot}, with a file's data refs. */
  FileInfo stat(Snapshot snapshot, FusePath path) {
    if (snapshot.isEmpty()) {
      throw Errno.enoent(path.inner());
    }
    String key = snapshot.commitId() + ":" + path.inner();
    FileInfo cached = files.getIfPresent(key);
    if (cached != null) {
      return cached;
    }
    FileInfo info = client.inspectFile(path.at(snapshot.commitId()), true);
    if (snapshot.finished()) {
      files.put(key, info);
    }
    return info;
  }

  /** Streams the entries of directory {@code dir}, caching them for the lookups that follow. */
  void list(Snapshot snapshot, FusePath dir, Consumer<FileInfo> each) {
    if (snapshot.isEmpty()) {
      return;
    }
    SiblingReadAhead.Builder order = new SiblingReadAhead.Builder();
    try (Stream<FileInfo> entries = client.listFile(dir.at(snapshot.commitId()), true)) {
      entries.forEach(info -> {
        if (snapshot.finished()) {
          files.put(snapshot.commitId() + ":" + info.getPath(), info);
          order.add(info.getPath(), info.getSizeBytes());
        }
        each.accept(info);
      });
    }
    if (snapshot.finished()) {
      listings.put(snapshot.commitId() + ":" + dir.inner(), order.build());
    }
  }

  /**
   * The files of a finished commit to fetch ahead now that {@code file} was opened: those after
   * it in its directory's last listing, up to {@code budgetBytes}, when files there are being
   * opened in order; else none.
   */
  List<FileInfo> readAheadAfter(Snapshot snapshot, FusePath file, long budgetBytes) {
    if (!snapshot.finished() || snapshot.isEmpty()) {
      return List.of();
    }
    SiblingReadAhead order = listings.getIfPresent(snapshot.commitId() + ":" + file.parent());
    if (order == null) {
      return List.of();
    }
    List<FileInfo> next = new ArrayList<>();
    for (String path : order.opened(file.inner(), budgetBytes)) {
      FileInfo info = files.getIfPresent(snapshot.commitId() + ":" + path);
      if (info != null && info.getType() != FileType.DIR) {
        next.add(info);
      }
    }
    return next;
  }

  /** Forgets what was resolved of a branch, after this mount changed it. */
  void forget(String repo, String branch) {
    snapshots.invalidate(repo + "@" + branch);
    tops.invalidateAll();
  }

  private Snapshot resolve(String repo, String ref) {
    boolean isBranch = BRANCH.matcher(ref).matches() && !COMMIT_ID.matcher(ref).matches();
    BranchInfo branch = null;
    if (isBranch) {
      try {
        branch = client.inspectBranch(repo, ref);
      } catch (TuskException e) {
        if (e.code() != ErrorCode.BRANCH_NOT_FOUND || !options.write()) {
          throw e;
        }
        // A writable mount shows a branch that does not exist yet as empty: writing creates it.
        client.inspectRepo(repo);
        return new Snapshot(repo, null, ref, false, true, 0, 0);
      }
      if (branch.getHead().isEmpty()) {
        return new Snapshot(repo, null, ref, false, writable(branch), 0, 0);
      }
    }
    CommitInfo commit = client.inspectCommit(repo + "@" + (branch != null ? branch.getHead() : ref), false);
    boolean finished = commit.getState() == CommitState.FINISHED;
    Timestamp time = finished ? commit.getFinished() : commit.getStarted();
    return new Snapshot(
        repo, commit.getId(), isBranch ? ref : null, finished, branch != null && writable(branch),
        time.getSeconds(), time.getNanos());
  }

  /** Writes go to branches a person owns: not to a pipeline's output, whose branch has provenance. */
  private boolean writable(BranchInfo branch) {
    return options.write() && branch.getProvenanceCount() == 0;
  }

  /** Whether {@code e} says the thing looked up is not there. */
  static boolean isNotFound(RuntimeException e) {
    return e instanceof TuskException tusk
        && switch (tusk.code()) {
          case REPO_NOT_FOUND, BRANCH_NOT_FOUND, COMMIT_NOT_FOUND, FILE_NOT_FOUND -> true;
          default -> false;
        };
  }
}
