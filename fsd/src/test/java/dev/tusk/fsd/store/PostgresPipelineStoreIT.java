package dev.tusk.fsd.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The pipeline store on a real PostgreSQL server that this class starts, one schema per test. Under
 * CI ({@code CI=true}) a missing or failing PostgreSQL fails the run; elsewhere it skips it.
 */
class PostgresPipelineStoreIT extends AbstractPipelineStoreTest {
  private static final String PASSWORD = "not-a-real-secret-42";

  private static PostgresServer server;

  @BeforeAll
  static void startServer() {
    server = PostgresServer.startForTests();
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Override
  protected String newDatabaseUrl() {
    return server.newSchemaUrl(PASSWORD);
  }

  @Override
  protected Connection rawConnection(String url) throws SQLException {
    String schema = url.substring(url.indexOf("currentSchema=") + "currentSchema=".length());
    Connection c = server.connect(PostgresServer.DATABASE);
    try (Statement statement = c.createStatement()) {
      statement.execute("SET search_path TO " + schema);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  @Override
  protected Dialect dialect() {
    return Dialect.POSTGRESQL;
  }
}
