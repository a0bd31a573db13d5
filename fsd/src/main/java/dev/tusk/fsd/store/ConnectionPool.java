package dev.tusk.fsd.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded pool of JDBC connections, opened on first need and kept while healthy. Small on
 * purpose: a pool library would bring its own threads, metrics and configuration for what is a
 * handful of connections.
 */
final class ConnectionPool implements AutoCloseable {

  /** Opens a configured connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  private final Opener opener;
  private final int maxSize;
  private final Duration maxWait;
  private final Semaphore permits;
  private final ReentrantLock lock = new ReentrantLock();
  // Most recently returned first: the warmest connection, and the one least likely to have been
  // dropped by a firewall or server while idle.
  private final ArrayDeque<Connection> idle = new ArrayDeque<>();
  private boolean closed;

  ConnectionPool(Opener opener, int maxSize, Duration maxWait) {
    this.opener = opener;
    this.maxSize = maxSize;
    this.maxWait = maxWait;
    this.permits = new Semaphore(maxSize, true);
  }

  /**
   * A connection for the caller's exclusive use until it closes the lease.
   *
   * @throws SQLTransientConnectionException if all connections stayed busy for the wait limit
   * @throws SQLNonTransientConnectionException if the pool is closed
   */
  Lease borrow() throws SQLException {
    try {
      if (!permits.tryAcquire(maxWait.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new SQLTransientConnectionException(
            "All " + maxSize + " database connections stayed busy for " + maxWait.toSeconds() + "s",
            "08001");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLTransientConnectionException("Interrupted waiting for a connection", "08001", e);
    }
    boolean handedOut = false;
    try {
      lock.lock();
      Connection reused;
      try {
        if (closed) {
          throw new SQLNonTransientConnectionException("The metadata store is closed", "08003");
        }
        reused = idle.pollFirst();
      } finally {
        lock.unlock();
      }
      Lease lease = reused != null ? new Lease(reused, true) : new Lease(opener.open(), false);
      handedOut = true;
      return lease;
    } finally {
      if (!handedOut) {
        permits.release();
      }
    }
  }

  /** Closes the idle connections, after one turned out dead: they are likely dead too. */
  void evictIdle() {
    closeAll(drainIdle());
  }

  /** Closes the idle connections now and the borrowed ones as they come back. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
    } finally {
      lock.unlock();
    }
    closeAll(drainIdle());
  }

  private List<Connection> drainIdle() {
    lock.lock();
    try {
      List<Connection> drained = new ArrayList<>(idle);
      idle.clear();
      return drained;
    } finally {
      lock.unlock();
    }
  }

  private static void closeAll(List<Connection> connections) {
    for (Connection connection : connections) {
      closeQuietly(connection);
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // It is being thrown away; there is nothing left to do with it.
    }
  }

  /** One borrowed connection. Closing it returns the connection, or drops it if broken. */
  final class Lease implements AutoCloseable {
    private final Connection connection;
    private final boolean reused;
    private boolean broken;
    private boolean returned;

    private Lease(Connection connection, boolean reused) {
      this.connection = connection;
      this.reused = reused;
    }

    Connection connection() {
      return connection;
    }

    /** Whether the connection had been used before, and may have died while idle. */
    boolean reused() {
      return reused;
    }

    /** Do not hand this connection out again. */
    void markBroken() {
      broken = true;
    }

    @Override
    public void close() {
      if (returned) {
        return;
      }
      returned = true;
      boolean keep = !broken;
      if (keep) {
        lock.lock();
        try {
          keep = !closed;
          if (keep) {
            idle.addFirst(connection);
          }
        } finally {
          lock.unlock();
        }
      }
      if (!keep) {
        closeQuietly(connection);
      }
      permits.release();
    }
  }
}
