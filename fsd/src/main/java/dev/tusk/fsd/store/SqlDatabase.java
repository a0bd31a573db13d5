package dev.tusk.fsd.store;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
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
 * One database that the stores share: its connection pool, its {@link Dialect}, the lock that
 * writers of this process queue on, and the transaction, retry and error-translation rules (see
 * {@link JdbcMetadataStore} for why they are what they are). {@link JdbcMetadataStore} and {@link
 * JdbcPipelineStore} work through the same instance: two pools on one SQLite file would each take
 * the file's write lock behind the other's back.
 */
final class SqlDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqlDatabase.class);

  private static final int POOL_SIZE = 8;
  private static final Duration POOL_WAIT = Duration.ofSeconds(30);

  private final Dialect dialect;
  private final String name;
  private final ConnectionPool pool;
  private final ReentrantLock writers = new ReentrantLock(true);
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqlDatabase(JdbcTarget target) {
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

  /** Prepares to connect (lazily), creating a SQLite file's directories. */
  static SqlDatabase open(JdbcTarget target) {
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
    return new SqlDatabase(target);
  }

  Dialect dialect() {
    return dialect;
  }

  /** The URL without password or query, for logs and error messages. */
  String name() {
    return name;
  }

  /** Idempotent; calls still running finish, later ones fail with UNAVAILABLE. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      pool.close();
    }
  }

  // ---- running work ----

  /** Work on a connection; the caller owns the transaction around it. */
  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /** Reads a row. */
  @FunctionalInterface
  interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Runs {@code work}, which must be a single statement, outside a transaction. */
  <T> T read(String what, SqlWork<T> work) {
    return execute(what, null, work);
  }

  /**
   * Runs {@code work}, reads only, in a read-only transaction that sees one snapshot across its
   * statements and never waits for writers.
   */
  <T> T readSnapshot(String what, SqlWork<T> work) {
    return execute(what, dialect.beginSnapshotSql(), work);
  }

  /**
   * Runs {@code work} in a transaction, committed if it returns and rolled back if it throws. Work
   * that finds it has lost a compare-and-set returns before it has written anything.
   */
  <T> T write(String what, SqlWork<T> work) {
    if (!dialect.serializesWriters()) {
      return execute(what, dialect.beginSql(), work);
    }
    writers.lock();
    try {
      return execute(what, dialect.beginSql(), work);
    } finally {
      writers.unlock();
    }
  }

  /** {@code begin} starts the transaction; null for none. */
  private <T> T execute(String what, String begin, SqlWork<T> work) {
    boolean retried = false;
    while (true) {
      ConnectionPool.Lease lease = borrow(what);
      boolean committing = false;
      try {
        Connection c = lease.connection();
        if (begin == null) {
          return work.run(c);
        }
        run(c, begin);
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

  // ---- statements ----

  static void run(Connection c, String sql) throws SQLException {
    try (Statement statement = c.createStatement()) {
      statement.execute(sql);
    }
  }

  static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
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

  static int update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement statement = prepare(c, sql, params)) {
      return statement.executeUpdate();
    }
  }

  static <T> Optional<T> queryOne(Connection c, String sql, RowReader<T> reader, Object... params)
      throws SQLException {
    try (PreparedStatement statement = prepare(c, sql, params);
        ResultSet rs = statement.executeQuery()) {
      return rs.next() ? Optional.ofNullable(reader.read(rs)) : Optional.empty();
    }
  }

  static <T> List<T> queryList(Connection c, String sql, RowReader<T> reader, Object... params)
      throws SQLException {
    List<T> rows = new ArrayList<>();
    try (PreparedStatement statement = prepare(c, sql, params);
        ResultSet rs = statement.executeQuery()) {
      while (rs.next()) {
        rows.add(reader.read(rs));
      }
    }
    return rows;
  }

  // ---- values ----

  /** Timestamps are stored as epoch microseconds, PostgreSQL's precision. */
  static long toMicros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  static Long toMicrosOrNull(Instant t) {
    return t == null ? null : toMicros(t);
  }

  static Instant fromMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  /** A nullable BIGINT column as an instant. */
  static Instant instantOrNull(ResultSet rs, String column) throws SQLException {
    long micros = rs.getLong(column);
    return rs.wasNull() ? null : fromMicros(micros);
  }

  @Override
  public String toString() {
    return "SqlDatabase[" + name + "]";
  }
}
