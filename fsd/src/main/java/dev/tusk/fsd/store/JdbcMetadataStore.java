package dev.tusk.fsd.store;

import static dev.tusk.fsd.store.SqlDatabase.fromMicros;
import static dev.tusk.fsd.store.SqlDatabase.prepare;
import static dev.tusk.fsd.store.SqlDatabase.queryList;
import static dev.tusk.fsd.store.SqlDatabase.queryOne;
import static dev.tusk.fsd.store.SqlDatabase.toMicros;
import static dev.tusk.fsd.store.SqlDatabase.toMicrosOrNull;
import static dev.tusk.fsd.store.SqlDatabase.update;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.tree.TreeRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata store on SQLite or PostgreSQL, through JDBC. The SQL is shared; what differs lives
 * in {@link Dialect}, and the connections, transactions and error translation in {@link
 * SqlDatabase}, which this store shares with its {@link JdbcPipelineStore}.
 *
 * <p>How it stays correct with many callers and several daemons:
 *
 * <ul>
 *   <li>Every read is one {@code SELECT}, joined with its provenance rows, so it sees one
 *       consistent snapshot without a transaction.
 *   <li>Every write is one short transaction. Moving a branch head and replacing a commit are
 *       compare-and-set {@code UPDATE}s whose update count says whether this writer won; under
 *       PostgreSQL's READ COMMITTED a concurrent {@code UPDATE} of the same row waits for the first
 *       and then re-checks its condition against the new row, so exactly one of them wins.
 *   <li>SQLite has one writer at a time. Writers of this process queue on a fair lock (rather than
 *       polling in SQLite's busy handler) and begin IMMEDIATE, so that a second process on the same
 *       file makes them wait instead of fail. Readers use other connections of the pool and, with
 *       WAL, neither wait for the writer nor hold it up.
 *   <li>Foreign keys cascade from repos to branches and commits, and from those to their
 *       provenance, so that rows written by a concurrent daemon while a repo is deleted go with it.
 * </ul>
 *
 * <p>Timestamps are stored as epoch microseconds, PostgreSQL's precision; finer digits are dropped.
 */
final class JdbcMetadataStore implements MetadataStore {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcMetadataStore.class);

  static final int SCHEMA_VERSION = Schema.VERSION;

  private static final String SELECT_BRANCHES =
      """
      SELECT b.repo, b.name, b.head, p.upstream_repo, p.upstream_branch
        FROM branches b
        LEFT JOIN branch_provenance p ON p.repo = b.repo AND p.branch = b.name
      """;

  private static final String BRANCHES_PROVENANT_ON =
      SELECT_BRANCHES
          + """
           WHERE EXISTS (SELECT 1 FROM branch_provenance u
                          WHERE u.repo = b.repo AND u.branch = b.name
                            AND u.upstream_repo = ? AND u.upstream_branch = ?)
           ORDER BY b.repo, b.name, p.position
          """;

  private static final String SELECT_COMMITS =
      """
      SELECT c.id, c.repo, c.branch, c.parent, c.state, c.started, c.finished, c.description,
             c.tree_key, c.tree_hash, c.size_bytes, c.file_count, c.commit_set,
             p.repo AS upstream_repo, p.branch AS upstream_branch, p.upstream_commit
        FROM commits c
        LEFT JOIN commit_provenance p ON p.commit_id = c.id
      """;

  private static final String MOVE_HEAD =
      """
      UPDATE branches SET head = ?
       WHERE repo = ? AND name = ? AND head IS NOT DISTINCT FROM ?
      """;

  private static final String INSERT_BRANCH =
      """
      INSERT INTO branches (repo, name, head) VALUES (?, ?, ?)
      ON CONFLICT (repo, name) DO NOTHING
      """;

  private static final String INSERT_COMMIT =
      """
      INSERT INTO commits (id, repo, branch, parent, state, started, finished, description,
                           tree_key, tree_hash, size_bytes, file_count, commit_set)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      """;

  private static final String INSERT_COMMIT_PROVENANCE =
      """
      INSERT INTO commit_provenance (commit_id, position, repo, branch, upstream_commit)
      VALUES (?, ?, ?, ?, ?)
      """;

  // Only an open commit with the expected tree is replaced: a finished one never changes.
  private static final String REPLACE_COMMIT =
      """
      UPDATE commits
         SET branch = ?, parent = ?, state = ?, started = ?, finished = ?, description = ?,
             tree_key = ?, tree_hash = ?, size_bytes = ?, file_count = ?, commit_set = ?
       WHERE id = ? AND repo = ? AND state = 'OPEN'
         AND tree_key = ? AND tree_hash = ? AND size_bytes = ? AND file_count = ?
      """;

  private final SqlDatabase db;
  private final Dialect dialect;
  private final PipelineStore pipelines;
  private final AtomicBoolean closed = new AtomicBoolean();

  private JdbcMetadataStore(SqlDatabase db) {
    this.db = db;
    this.dialect = db.dialect();
    this.pipelines = new JdbcPipelineStore(db);
  }

  /** Connects, creating the schema if the database has none and upgrading an older one. */
  static JdbcMetadataStore open(JdbcTarget target) {
    SqlDatabase db = SqlDatabase.open(target);
    try {
      Schema.createOrUpgrade(db);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
    LOG.info("Opened metadata store {}", target.displayName());
    return new JdbcMetadataStore(db);
  }

  // ---- repos ----

  @Override
  public void createRepo(RepoRecord repo) {
    db.write(
        "create repo '" + repo.name() + "'",
        c -> {
          int inserted =
              update(
                  c,
                  """
                  INSERT INTO repos (name, created, description) VALUES (?, ?, ?)
                  ON CONFLICT (name) DO NOTHING
                  """,
                  repo.name(),
                  toMicros(repo.created()),
                  repo.description());
          if (inserted == 0) {
            throw new PfsException(
                ErrorCode.REPO_EXISTS, "Repo '" + repo.name() + "' already exists");
          }
          return null;
        });
  }

  @Override
  public Optional<RepoRecord> getRepo(String name) {
    return db.read(
        "get repo '" + name + "'",
        c ->
            queryOne(
                c,
                "SELECT name, created, description FROM repos WHERE name = ?",
                JdbcMetadataStore::repo,
                name));
  }

  @Override
  public List<RepoRecord> listRepos() {
    return db.read(
        "list repos",
        c ->
            queryList(
                c,
                "SELECT name, created, description FROM repos ORDER BY name",
                JdbcMetadataStore::repo));
  }

  @Override
  public boolean updateRepoDescription(String name, String description) {
    return db.write(
        "update repo " + name,
        c -> update(c, "UPDATE repos SET description = ? WHERE name = ?", description, name) == 1);
  }

  @Override
  public boolean deleteRepo(String name) {
    // Children first: deleting the repo row first would lock it before the branch rows, the
    // opposite order of a concurrent insertCommit, and PostgreSQL would abort one as a deadlock.
    // Rows that a concurrent writer adds meanwhile go with the repo row by cascade.
    return db.write(
        "delete repo '" + name + "'",
        c -> {
          update(
              c,
              """
              DELETE FROM commit_provenance
               WHERE commit_id IN (SELECT id FROM commits WHERE repo = ?)
              """,
              name);
          update(c, "DELETE FROM commits WHERE repo = ?", name);
          update(c, "DELETE FROM branch_provenance WHERE repo = ?", name);
          update(c, "DELETE FROM branches WHERE repo = ?", name);
          return update(c, "DELETE FROM repos WHERE name = ?", name) == 1;
        });
  }

  // ---- branches ----

  @Override
  public void createBranch(BranchRecord branch) {
    db.write(
        "create branch " + branch.key(),
        c -> {
          requireRepo(c, branch.repo());
          if (insertBranch(c, branch.repo(), branch.name(), branch.head()) == 0) {
            throw new PfsException(
                ErrorCode.BRANCH_EXISTS, "Branch '" + branch.key() + "' already exists");
          }
          List<BranchKey> provenance = branch.provenance();
          for (int i = 0; i < provenance.size(); i++) {
            update(
                c,
                """
                INSERT INTO branch_provenance
                  (repo, branch, position, upstream_repo, upstream_branch)
                VALUES (?, ?, ?, ?, ?)
                """,
                branch.repo(),
                branch.name(),
                i,
                provenance.get(i).repo(),
                provenance.get(i).branch());
          }
          return null;
        });
  }

  @Override
  public Optional<BranchRecord> getBranch(String repo, String name) {
    return db.read(
        "get branch " + repo + "@" + name,
        c -> {
          List<BranchRecord> found =
              queryBranches(
                  c,
                  SELECT_BRANCHES + " WHERE b.repo = ? AND b.name = ? ORDER BY p.position",
                  repo,
                  name);
          return found.stream().findFirst();
        });
  }

  @Override
  public List<BranchRecord> listBranches(String repo) {
    return db.read(
        "list branches of repo '" + repo + "'",
        c ->
            queryBranches(
                c, SELECT_BRANCHES + " WHERE b.repo = ? ORDER BY b.name, p.position", repo));
  }

  @Override
  public List<BranchRecord> branchesProvenantOn(BranchKey upstream) {
    return db.read(
        "list branches provenant on " + upstream,
        c -> queryBranches(c, BRANCHES_PROVENANT_ON, upstream.repo(), upstream.branch()));
  }

  @Override
  public boolean deleteBranch(String repo, String name) {
    return db.write(
        "delete branch " + repo + "@" + name,
        c -> {
          update(c, "DELETE FROM branch_provenance WHERE repo = ? AND branch = ?", repo, name);
          return update(c, "DELETE FROM branches WHERE repo = ? AND name = ?", repo, name) == 1;
        });
  }

  @Override
  public boolean casBranchHead(String repo, String branch, String expectedHead, String newHead) {
    return db.write(
        "move branch " + repo + "@" + branch,
        c -> update(c, MOVE_HEAD, newHead, repo, branch, expectedHead) == 1);
  }

  // ---- commits ----

  @Override
  public boolean insertCommit(CommitRecord commit, String expectedHead) {
    return db.write(
        "insert commit " + commit.repo() + "@" + commit.id(),
        c -> {
          // Head first: it is the cheap way to lose, and it takes the branch row's lock early.
          boolean moved =
              update(c, MOVE_HEAD, commit.id(), commit.repo(), commit.branch(), expectedHead) == 1;
          if (!moved) {
            if (expectedHead != null) {
              return false;
            }
            // "No commits yet" also covers a branch that does not exist yet.
            requireRepo(c, commit.repo());
            if (insertBranch(c, commit.repo(), commit.branch(), commit.id()) == 0) {
              return false;
            }
          }
          TreeRef tree = commit.tree();
          insertReferencingRepo(
              c,
              commit.repo(),
              INSERT_COMMIT,
              commit.id(),
              commit.repo(),
              commit.branch(),
              commit.parent(),
              commit.state().name(),
              toMicros(commit.started()),
              toMicrosOrNull(commit.finished()),
              commit.description(),
              tree.nodeKey(),
              tree.hash(),
              tree.size(),
              tree.fileCount(),
              commit.commitSet());
          insertCommitProvenance(c, commit);
          return true;
        });
  }

  @Override
  public Optional<CommitRecord> getCommit(String id) {
    return db.read(
        "get commit " + id,
        c -> {
          List<CommitRecord> found =
              queryCommits(c, SELECT_COMMITS + " WHERE c.id = ? ORDER BY p.position", id);
          return found.stream().findFirst();
        });
  }

  @Override
  public boolean casCommit(CommitRecord expected, CommitRecord updated) {
    if (!expected.id().equals(updated.id()) || !expected.repo().equals(updated.repo())) {
      throw new IllegalArgumentException(
          "Cannot replace commit "
              + expected.repo()
              + "@"
              + expected.id()
              + " with a different commit, "
              + updated.repo()
              + "@"
              + updated.id());
    }
    if (expected.state() == CommitState.FINISHED) {
      return false;
    }
    return db.write(
        "update commit " + expected.repo() + "@" + expected.id(),
        c -> {
          TreeRef was = expected.tree();
          TreeRef tree = updated.tree();
          int replaced =
              update(
                  c,
                  REPLACE_COMMIT,
                  updated.branch(),
                  updated.parent(),
                  updated.state().name(),
                  toMicros(updated.started()),
                  toMicrosOrNull(updated.finished()),
                  updated.description(),
                  tree.nodeKey(),
                  tree.hash(),
                  tree.size(),
                  tree.fileCount(),
                  updated.commitSet(),
                  expected.id(),
                  expected.repo(),
                  was.nodeKey(),
                  was.hash(),
                  was.size(),
                  was.fileCount());
          if (replaced == 0) {
            return false;
          }
          // Provenance is fixed when a commit starts; rewrite it only if the caller changed it.
          if (!updated.provenance().equals(expected.provenance())) {
            update(c, "DELETE FROM commit_provenance WHERE commit_id = ?", updated.id());
            insertCommitProvenance(c, updated);
          }
          return true;
        });
  }

  @Override
  public List<CommitRecord> listCommits(String repo) {
    return db.read(
        "list commits of repo '" + repo + "'",
        c ->
            queryCommits(
                c,
                SELECT_COMMITS + " WHERE c.repo = ? ORDER BY c.started DESC, c.id DESC, p.position",
                repo));
  }

  @Override
  public List<CommitRecord> openCommits() {
    return db.read(
        "list open commits",
        c ->
            queryCommits(
                c,
                SELECT_COMMITS
                    + " WHERE c.state = 'OPEN' ORDER BY c.repo, c.started, c.id, p.position"));
  }

  @Override
  public PipelineStore pipelines() {
    return pipelines;
  }

  /** Idempotent; calls still running finish, later ones fail with UNAVAILABLE. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      db.close();
      LOG.info("Closed metadata store {}", db.name());
    }
  }

  @Override
  public String toString() {
    return "JdbcMetadataStore[" + db.name() + "]";
  }

  // ---- statements shared by several operations ----

  private static void requireRepo(Connection c, String repo) throws SQLException {
    if (queryOne(c, "SELECT 1 FROM repos WHERE name = ?", rs -> true, repo).isEmpty()) {
      throw repoNotFound(repo, null);
    }
  }

  private int insertBranch(Connection c, String repo, String branch, String head)
      throws SQLException {
    return insertReferencingRepo(c, repo, INSERT_BRANCH, repo, branch, head);
  }

  /**
   * Runs an insert into a table whose rows need their repo. The caller has checked that the repo
   * exists; a violated foreign key means that another daemon deleted it since.
   */
  private int insertReferencingRepo(Connection c, String repo, String sql, Object... params)
      throws SQLException {
    try {
      return update(c, sql, params);
    } catch (SQLException e) {
      if (dialect.isForeignKeyViolation(e)) {
        throw repoNotFound(repo, e);
      }
      throw e;
    }
  }

  private static void insertCommitProvenance(Connection c, CommitRecord commit)
      throws SQLException {
    List<CommitProvenance> provenance = commit.provenance();
    for (int i = 0; i < provenance.size(); i++) {
      CommitProvenance p = provenance.get(i);
      update(c, INSERT_COMMIT_PROVENANCE, commit.id(), i, p.repo(), p.branch(), p.id());
    }
  }

  private static PfsException repoNotFound(String repo, Throwable cause) {
    return new PfsException(ErrorCode.REPO_NOT_FOUND, "Repo '" + repo + "' not found", cause);
  }

  // ---- rows ----

  private static RepoRecord repo(ResultSet rs) throws SQLException {
    return new RepoRecord(
        rs.getString("name"), fromMicros(rs.getLong("created")), rs.getString("description"));
  }

  /** Rows of {@link #SELECT_BRANCHES}, ordered so that each branch's rows are adjacent. */
  private static List<BranchRecord> queryBranches(Connection c, String sql, Object... params)
      throws SQLException {
    List<BranchRecord> branches = new ArrayList<>();
    try (PreparedStatement statement = prepare(c, sql, params);
        ResultSet rs = statement.executeQuery()) {
      String repo = null;
      String name = null;
      String head = null;
      List<BranchKey> provenance = new ArrayList<>();
      while (rs.next()) {
        String rowRepo = rs.getString("repo");
        String rowName = rs.getString("name");
        if (name != null && !(rowRepo.equals(repo) && rowName.equals(name))) {
          branches.add(new BranchRecord(repo, name, head, provenance));
          provenance = new ArrayList<>();
        }
        repo = rowRepo;
        name = rowName;
        head = rs.getString("head");
        String upstreamRepo = rs.getString("upstream_repo");
        if (upstreamRepo != null) {
          provenance.add(new BranchKey(upstreamRepo, rs.getString("upstream_branch")));
        }
      }
      if (name != null) {
        branches.add(new BranchRecord(repo, name, head, provenance));
      }
    }
    return branches;
  }

  /** Rows of {@link #SELECT_COMMITS}, ordered so that each commit's rows are adjacent. */
  private static List<CommitRecord> queryCommits(Connection c, String sql, Object... params)
      throws SQLException {
    List<CommitRecord> commits = new ArrayList<>();
    try (PreparedStatement statement = prepare(c, sql, params);
        ResultSet rs = statement.executeQuery()) {
      CommitRecord current = null;
      List<CommitProvenance> provenance = new ArrayList<>();
      while (rs.next()) {
        String id = rs.getString("id");
        if (current == null || !current.id().equals(id)) {
          if (current != null) {
            commits.add(withProvenance(current, provenance));
            provenance = new ArrayList<>();
          }
          current = commitWithoutProvenance(rs);
        }
        String upstream = rs.getString("upstream_commit");
        if (upstream != null) {
          provenance.add(
              new CommitProvenance(
                  rs.getString("upstream_repo"), rs.getString("upstream_branch"), upstream));
        }
      }
      if (current != null) {
        commits.add(withProvenance(current, provenance));
      }
    }
    return commits;
  }

  private static CommitRecord commitWithoutProvenance(ResultSet rs) throws SQLException {
    long finished = rs.getLong("finished");
    Instant finishedAt = rs.wasNull() ? null : fromMicros(finished);
    return new CommitRecord(
        rs.getString("id"),
        rs.getString("repo"),
        rs.getString("branch"),
        rs.getString("parent"),
        CommitState.valueOf(rs.getString("state")),
        fromMicros(rs.getLong("started")),
        finishedAt,
        rs.getString("description"),
        new TreeRef(
            rs.getString("tree_key"),
            rs.getString("tree_hash"),
            rs.getLong("size_bytes"),
            rs.getLong("file_count")),
        rs.getString("commit_set"),
        List.of());
  }

  private static CommitRecord withProvenance(CommitRecord c, List<CommitProvenance> provenance) {
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
}
