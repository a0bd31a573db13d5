package dev.tusk.fsd.store;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.tree.TreeRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata store on SQLite or PostgreSQL, through JDBC. The SQL is shared; what differs lives
 * in {@link Dialect}.
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

  static final int SCHEMA_VERSION = 1;

  private static final int POOL_SIZE = 8;
  private static final Duration POOL_WAIT = Duration.ofSeconds(30);

  private static final String SCHEMA_VERSION_TABLE =
      """
      CREATE TABLE IF NOT EXISTS schema_version (
        version INTEGER NOT NULL
      )
      """;

  /** The tables and indexes of {@link #SCHEMA_VERSION}; {TEXT} is the dialect's text type. */
  private static final List<String> SCHEMA =
      List.of(
          """
          CREATE TABLE IF NOT EXISTS repos (
            name        {TEXT} NOT NULL PRIMARY KEY,
            created     BIGINT NOT NULL,
            description {TEXT} NOT NULL
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS branches (
            repo {TEXT} NOT NULL REFERENCES repos (name) ON DELETE CASCADE,
            name {TEXT} NOT NULL,
            head {TEXT},
            PRIMARY KEY (repo, name)
          )
          """,
          """
          CREATE TABLE IF NOT EXISTS branch_provenance (
            repo            {TEXT}  NOT NULL,
            branch          {TEXT}  NOT NULL,
            position        INTEGER NOT NULL,
            upstream_repo   {TEXT}  NOT NULL,
            upstream_branch {TEXT}  NOT NULL,
            PRIMARY KEY (repo, branch, position),
            FOREIGN KEY (repo, branch) REFERENCES branches (repo, name) ON DELETE CASCADE
          )
          """,
          """
          CREATE INDEX IF NOT EXISTS branch_provenance_by_upstream
            ON branch_provenance (upstream_repo, upstream_branch)
          """,
          """
          CREATE TABLE IF NOT EXISTS commits (
            id          {TEXT} NOT NULL PRIMARY KEY,
            repo        {TEXT} NOT NULL REFERENCES repos (name) ON DELETE CASCADE,
            branch      {TEXT} NOT NULL,
            parent      {TEXT},
            state       {TEXT} NOT NULL CHECK (state IN ('OPEN', 'FINISHED')),
            started     BIGINT NOT NULL,
            finished    BIGINT,
            description {TEXT} NOT NULL,
            tree_key    {TEXT} NOT NULL,
            tree_hash   {TEXT} NOT NULL,
            size_bytes  BIGINT NOT NULL,
            file_count  BIGINT NOT NULL,
            commit_set  {TEXT} NOT NULL
          )
          """,
          """
          CREATE INDEX IF NOT EXISTS commits_by_repo ON commits (repo, started, id)
          """,
          """
          CREATE INDEX IF NOT EXISTS commits_open ON commits (state) WHERE state = 'OPEN'
          """,
          """
          CREATE TABLE IF NOT EXISTS commit_provenance (
            commit_id       {TEXT}  NOT NULL REFERENCES commits (id) ON DELETE CASCADE,
            position        INTEGER NOT NULL,
            repo            {TEXT}  NOT NULL,
            branch          {TEXT}  NOT NULL,
            upstream_commit {TEXT}  NOT NULL,
            PRIMARY KEY (commit_id, position)
          )
          """);

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

  private final Dialect dialect;
  private final String name;
  private final ConnectionPool pool;
  private final ReentrantLock writers = new ReentrantLock(true);
  private final AtomicBoolean closed = new AtomicBoolean();

  private JdbcMetadataStore(JdbcTarget target) {
    this.dialect = target.dialect();
    this.name = target.displayName();
    Driver driver = dialect.driver();
    Properties properties = dialect.connectionProperties(target.user(), target.password());
    this.pool =
        new ConnectionPool(
            () -> {
              Connection connection = driver.connect(target.jdbcUrl(), properties);
              if (connection == null) {
                throw new SQLException("The JDBC driver does not accept " + name);
              }
              try {
                dialect.initialize(connection, name);
              } catch (SQLException e) {
                connection.close();
                throw e;
              }
              return connection;
            },
            POOL_SIZE,
            POOL_WAIT);
  }

  /** Connects, creating the schema if the database has none. */
  static JdbcMetadataStore open(JdbcTarget target) {
    if (target.sqliteFile() != null) {
      Path directory = target.sqliteFile().getParent();
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new PfsException(
            ErrorCode.INTERNAL,
            "Cannot open metadata store " + target.displayName() + ": cannot create " + directory,
            e);
      }
    }
    JdbcMetadataStore store = new JdbcMetadataStore(target);
    try {
      store.createSchema();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    LOG.info("Opened metadata store {}", target.displayName());
    return store;
  }

  private void createSchema() {
    write(
        "open the metadata store",
        c -> {
          dialect.lockSchema(c);
          run(c, SCHEMA_VERSION_TABLE);
          Optional<Integer> version =
              queryOne(
                  c,
                  "SELECT MAX(version) FROM schema_version",
                  rs -> {
                    int v = rs.getInt(1);
                    return rs.wasNull() ? null : v;
                  });
          if (version.isEmpty()) {
            for (String ddl : SCHEMA) {
              run(c, ddl.replace("{TEXT}", dialect.textType()));
            }
            update(c, "INSERT INTO schema_version (version) VALUES (?)", SCHEMA_VERSION);
          } else if (version.get() > SCHEMA_VERSION) {
            throw new PfsException(
                ErrorCode.INTERNAL,
                "Metadata store "
                    + name
                    + " has schema version "
                    + version.get()
                    + ", newer than this Tusk's "
                    + SCHEMA_VERSION
                    + ": upgrade Tusk");
          }
          return null;
        });
  }

  // ---- repos ----

  @Override
  public void createRepo(RepoRecord repo) {
    write(
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
    return read(
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
    return read(
        "list repos",
        c ->
            queryList(
                c,
                "SELECT name, created, description FROM repos ORDER BY name",
                JdbcMetadataStore::repo));
  }

  @Override
  public boolean updateRepoDescription(String name, String description) {
    return write(
        "update repo " + name,
        c -> update(c, "UPDATE repos SET description = ? WHERE name = ?", description, name) == 1);
  }

  @Override
  public boolean deleteRepo(String name) {
    // Children first: deleting the repo row first would lock it before the branch rows, the
    // opposite order of a concurrent insertCommit, and PostgreSQL would abort one as a deadlock.
    // Rows that a concurrent writer adds meanwhile go with the repo row by cascade.
    return write(
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
    write(
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
    return read(
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
    return read(
        "list branches of repo '" + repo + "'",
        c ->
            queryBranches(
                c, SELECT_BRANCHES + " WHERE b.repo = ? ORDER BY b.name, p.position", repo));
  }

  @Override
  public List<BranchRecord> branchesProvenantOn(BranchKey upstream) {
    return read(
        "list branches provenant on " + upstream,
        c -> queryBranches(c, BRANCHES_PROVENANT_ON, upstream.repo(), upstream.branch()));
  }

  @Override
  public boolean deleteBranch(String repo, String name) {
    return write(
        "delete branch " + repo + "@" + name,
        c -> {
          update(c, "DELETE FROM branch_provenance WHERE repo = ? AND branch = ?", repo, name);
          return update(c, "DELETE FROM branches WHERE repo = ? AND name = ?", repo, name) == 1;
        });
  }

  @Override
  public boolean casBranchHead(String repo, String branch, String expectedHead, String newHead) {
    return write(
        "move branch " + repo + "@" + branch,
        c -> update(c, MOVE_HEAD, newHead, repo, branch, expectedHead) == 1);
  }

  // ---- commits ----

  @Override
  public boolean insertCommit(CommitRecord commit, String expectedHead) {
    return write(
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
    return read(
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
    return write(
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
    return read(
        "list commits of repo '" + repo + "'",
        c ->
            queryCommits(
                c,
                SELECT_COMMITS + " WHERE c.repo = ? ORDER BY c.started DESC, c.id DESC, p.position",
                repo));
  }

  @Override
  public List<CommitRecord> openCommits() {
    return read(
        "list open commits",
        c ->
            queryCommits(
                c,
                SELECT_COMMITS
                    + " WHERE c.state = 'OPEN' ORDER BY c.repo, c.started, c.id, p.position"));
  }

  /** Idempotent; calls still running finish, later ones fail with UNAVAILABLE. */
  @Override
  public PipelineStore pipelines() {
    throw new UnsupportedOperationException("JdbcPipelineStore is being written");
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.close();
      LOG.info("Closed metadata store {}", name);
    }
  }

  @Override
  public String toString() {
    return "JdbcMetadataStore[" + name + "]";
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

  static long toMicros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  private static Long toMicrosOrNull(Instant t) {
    return t == null ? null : toMicros(t);
  }

  static Instant fromMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  // ---- JDBC plumbing ----

  /** Work on a connection; the caller owns the transaction around it. */
  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Reads a row. */
  @FunctionalInterface
  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  private <T> T read(String what, SqlWork<T> work) {
    return execute(what, false, work);
  }

  /**
   * Runs {@code work} in a transaction, committed if it returns and rolled back if it throws. Work
   * that finds it has lost a compare-and-set returns before it has written anything.
   */
  private <T> T write(String what, SqlWork<T> work) {
    if (!dialect.serializesWriters()) {
      return execute(what, true, work);
    }
    writers.lock();
    try {
      return execute(what, true, work);
    } finally {
      writers.unlock();
    }
  }

  private <T> T execute(String what, boolean transactional, SqlWork<T> work) {
    boolean retried = false;
    while (true) {
      ConnectionPool.Lease lease = borrow(what);
      boolean committing = false;
      try {
        Connection c = lease.connection();
        if (!transactional) {
          return work.run(c);
        }
        run(c, dialect.beginSql());
        T result;
        try {
          result = work.run(c);
        } catch (Throwable t) {
          rollback(lease, t);
          throw t;
        }
        committing = true;
        run(c, "COMMIT");
        return result;
      } catch (SQLException e) {
        if (committing) {
          // Whatever went wrong, a transaction may still be open on this connection: drop it,
          // which rolls back anything not committed.
          lease.markBroken();
        }
        if (!dialect.isConnectionLost(e)) {
          throw translate(what, e);
        }
        lease.markBroken();
        // Its idle siblings most likely died with it (a server restart, a network cut).
        pool.evictIdle();
        if (committing) {
          throw new PfsException(
              ErrorCode.OUTCOME_UNKNOWN,
              "Cannot tell whether "
                  + what
                  + " took effect: the connection to metadata store "
                  + name
                  + " was lost while committing",
              e);
        }
        // Nothing was committed, so a second try on a fresh connection is safe; only one, and
        // only when the dead connection was an old one, so that a real outage fails fast.
        if (lease.reused() && !retried) {
          retried = true;
          LOG.debug("Retrying '{}' on a new connection after: {}", what, e.toString());
          continue;
        }
        throw translate(what, e);
      } finally {
        lease.close();
      }
    }
  }

  private ConnectionPool.Lease borrow(String what) {
    if (closed.get()) {
      throw new PfsException(
          ErrorCode.UNAVAILABLE, "Cannot " + what + ": metadata store " + name + " is closed");
    }
    try {
      return pool.borrow();
    } catch (SQLTransientConnectionException | SQLNonTransientConnectionException e) {
      // The pool's own failures: closed meanwhile, or every connection busy for too long.
      throw new PfsException(ErrorCode.UNAVAILABLE, "Cannot " + what + ": " + e.getMessage(), e);
    } catch (SQLException e) {
      throw translate(what, e);
    }
  }

  private static void rollback(ConnectionPool.Lease lease, Throwable cause) {
    try {
      run(lease.connection(), "ROLLBACK");
    } catch (SQLException e) {
      // Never hand out a connection that may still be inside this transaction.
      lease.markBroken();
      cause.addSuppressed(e);
    }
  }

  private PfsException translate(String what, SQLException e) {
    if (dialect.isUnavailable(e)) {
      return new PfsException(
          ErrorCode.UNAVAILABLE,
          "Cannot " + what + ": metadata store " + name + " is unavailable: " + e.getMessage(),
          e);
    }
    if (e.getSQLState() != null && e.getSQLState().startsWith("40")) {
      // Serialization failure or deadlock: the database rolled the transaction back.
      return new PfsException(
          ErrorCode.CONFLICT,
          "Cannot " + what + ": aborted by a concurrent transaction, nothing was changed",
          e);
    }
    return new PfsException(
        ErrorCode.INTERNAL,
        "Cannot " + what + ": " + e.getMessage() + " (metadata store " + name + ")",
        e);
  }

  private static void run(Connection c, String sql) throws SQLException {
    try (Statement statement = c.createStatement()) {
      statement.execute(sql);
    }
  }

  private static PreparedStatement prepare(Connection c, String sql, Object... params)
      throws SQLException {
    PreparedStatement statement = c.prepareStatement(sql);
    try {
      for (int i = 0; i < params.length; i++) {
        // A null binds as an untyped null, which both drivers let the column's type decide.
        statement.setObject(i + 1, params[i]);
      }
      return statement;
    } catch (SQLException e) {
      statement.close();
      throw e;
    }
  }

  private static int update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement statement = prepare(c, sql, params)) {
      return statement.executeUpdate();
    }
  }

  private static <T> Optional<T> queryOne(
      Connection c, String sql, RowReader<T> reader, Object... params) throws SQLException {
    try (PreparedStatement statement = prepare(c, sql, params);
        ResultSet rs = statement.executeQuery()) {
      return rs.next() ? Optional.ofNullable(reader.read(rs)) : Optional.empty();
    }
  }

  private static <T> List<T> queryList(
      Connection c, String sql, RowReader<T> reader, Object... params) throws SQLException {
    List<T> rows = new ArrayList<>();
    try (PreparedStatement statement = prepare(c, sql, params);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        rows.add(reader.read(rs));
      }
    }
    return rows;
  }
}
