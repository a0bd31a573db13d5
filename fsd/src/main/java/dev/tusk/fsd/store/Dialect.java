package dev.tusk.fsd.store;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * What differs between the databases that the stores run on ({@link SqlDatabase}). Everything else,
 * the SQL included, is shared: both speak {@code ON CONFLICT DO NOTHING}, {@code IS NOT DISTINCT
 * FROM} and partial indexes.
 */
enum Dialect {
  SQLITE {
    @Override
    Driver driver() {
      return new org.sqlite.JDBC();
    }

    @Override
    void initialize(Connection connection, String displayName) throws SQLException {
      try (Statement statement = connection.createStatement()) {
        // WAL lets readers run beside the one writer. The mode is stored in the file, so this is a
        // no-op after the first connection.
        try (ResultSet mode = statement.executeQuery("PRAGMA journal_mode = WAL")) {
          String actual = mode.next() ? mode.getString(1) : "unknown";
          if (!"wal".equalsIgnoreCase(actual)) {
            // Still durable (synchronous=FULL); only readers now wait for the writer.
            LOG.warn(
                "{} cannot use WAL (journal_mode={}): readers will wait for writers",
                displayName,
                actual);
          }
        }
        // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and an
        // acknowledged commit must survive it.
        statement.execute("PRAGMA synchronous = FULL");
        // Another process on the same file (a second daemon, an offline fsck) holds the write
        // lock for moments only; wait for it instead of failing.
        statement.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
        statement.execute("PRAGMA foreign_keys = ON");
      }
    }

    @Override
    void lockSchema(Connection connection) {
      // BEGIN IMMEDIATE already excludes every other writer.
    }

    @Override
    String beginSql() {
      // IMMEDIATE takes the write lock up front. A deferred transaction that reads and then writes
      // fails with SQLITE_BUSY, without waiting, when another process wrote in between.
      return "BEGIN IMMEDIATE";
    }

    @Override
    String beginSnapshotSql() {
      // Deferred: the first read takes a snapshot (with WAL) and no write lock is ever taken.
      return "BEGIN DEFERRED";
    }

    @Override
    boolean serializesWriters() {
      return true;
    }

    @Override
    String textType() {
      // SQLite compares text bytewise by default, like PostgreSQL's "C" collation.
      return "TEXT";
    }

    @Override
    String blobType() {
      return "BLOB";
    }

    @Override
    String sequenceKeyType() {
      // An alias of the rowid: a new row gets one more than the largest, without AUTOINCREMENT's
      // extra table.
      return "INTEGER PRIMARY KEY";
    }

    @Override
    boolean isUnavailable(SQLException e) {
      // Locked by another process for longer than busy_timeout: transient, worth a retry.
      return e instanceof SQLiteException s
          && (s.getResultCode().code & 0xff) == SQLiteErrorCode.SQLITE_BUSY.code;
    }

    @Override
    boolean isConnectionLost(SQLException e) {
      return false;
    }

    @Override
    boolean isForeignKeyViolation(SQLException e) {
      return e instanceof SQLiteException s
          && s.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_FOREIGNKEY;
    }
  },

  POSTGRESQL {
    @Override
    Driver driver() {
      return new org.postgresql.Driver();
    }

    @Override
    void initialize(Connection connection, String displayName) {
      // Nothing per connection: the defaults (READ COMMITTED, synchronous_commit on) are what the
      // compare-and-set statements rely on.
    }

    @Override
    void lockSchema(Connection connection) throws SQLException {
      // Two daemons starting at once would race on CREATE TABLE IF NOT EXISTS, which is not
      // atomic in PostgreSQL. The lock is released when the schema transaction ends.
      try (Statement statement = connection.createStatement()) {
        statement.execute("SELECT pg_advisory_xact_lock(" + SCHEMA_LOCK_KEY + ")");
      }
    }

    @Override
    Properties connectionProperties(String user, String password) {
      Properties properties = new Properties();
      properties.setProperty("ApplicationName", "tusk");
      properties.setProperty("connectTimeout", "10");
      properties.setProperty("tcpKeepAlive", "true");
      // A batch of inserts (a job's datums) goes as multi-row INSERTs, not one round trip a row.
      properties.setProperty("reWriteBatchedInserts", "true");
      if (user != null) {
        properties.setProperty("user", user);
      }
      if (password != null) {
        properties.setProperty("password", password);
      }
      return properties;
    }

    @Override
    String beginSql() {
      return "BEGIN";
    }

    @Override
    String beginSnapshotSql() {
      // READ COMMITTED would give each statement of the transaction its own snapshot.
      return "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    }

    @Override
    boolean serializesWriters() {
      return false;
    }

    @Override
    String textType() {
      // Bytewise order, as in SQLite, so that "in name order" means the same on both backends
      // whatever the database's locale.
      return "TEXT COLLATE \"C\"";
    }

    @Override
    String blobType() {
      return "BYTEA";
    }

    @Override
    String sequenceKeyType() {
      return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
    }

    @Override
    boolean isUnavailable(SQLException e) {
      String state = sqlState(e);
      return isConnectionLost(e)
          // 53: insufficient resources (too many connections, disk full); 57P0x: shutting down.
          || state.startsWith("53")
          || state.startsWith("57P");
    }

    @Override
    boolean isConnectionLost(SQLException e) {
      return sqlState(e).startsWith("08")
          || sqlState(e).equals("57P01")
          || sqlState(e).equals("57P02")
          || e instanceof SQLRecoverableException
          || e instanceof SQLNonTransientConnectionException
          || e instanceof SQLTransientConnectionException;
    }

    @Override
    boolean isForeignKeyViolation(SQLException e) {
      return sqlState(e).equals("23503");
    }
  };

  static final int BUSY_TIMEOUT_MILLIS = 10_000;

  /** Any constant shared by every Tusk daemon; "tusk" in ASCII. */
  private static final long SCHEMA_LOCK_KEY = 0x7475736bL;

  private static final Logger LOG = LoggerFactory.getLogger(Dialect.class);

  /** The JDBC driver, instantiated directly so that no {@code DriverManager} scan is involved. */
  abstract Driver driver();

  /** Configures a freshly opened connection. */
  abstract void initialize(Connection connection, String displayName) throws SQLException;

  /** Keeps other daemons out of the schema transaction that {@code connection} is in. */
  abstract void lockSchema(Connection connection) throws SQLException;

  /** What {@link #driver()} needs besides the URL; parameters in the URL take precedence. */
  Properties connectionProperties(String user, String password) {
    return new Properties();
  }

  /** Starts a write transaction. */
  abstract String beginSql();

  /**
   * Starts a read-only transaction whose statements all see one snapshot, and which neither waits
   * for writers nor holds them up.
   */
  abstract String beginSnapshotSql();

  /**
   * Whether writers of this process should queue on a lock: SQLite allows one writer at a time, and
   * a fair lock serves waiting writers in order where SQLite's busy handler would poll.
   */
  abstract boolean serializesWriters();

  /** The column type of names and ids. */
  abstract String textType();

  /** The column type of opaque bytes. */
  abstract String blobType();

  /** An integer primary key that the database fills in, increasing, when the insert omits it. */
  abstract String sequenceKeyType();

  /** Worth retrying later: the database is unreachable, shutting down or busy. */
  abstract boolean isUnavailable(SQLException e);

  /** The connection is gone; whatever it was doing was not committed unless it was the COMMIT. */
  abstract boolean isConnectionLost(SQLException e);

  abstract boolean isForeignKeyViolation(SQLException e);

  private static String sqlState(SQLException e) {
    return e.getSQLState() == null ? "" : e.getSQLState();
  }
}
