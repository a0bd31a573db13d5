package dev.tusk.fsd.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline store on an embedded SQLite file in a temporary directory. */
class SqlitePipelineStoreTest extends AbstractPipelineStoreTest {
  private final AtomicInteger databases = new AtomicInteger();

  @TempDir Path dir;

  @Override
  protected String newDatabaseUrl() {
    return "sqlite:" + dir.resolve("data/metadata-" + databases.incrementAndGet() + ".db");
  }

  @Override
  protected Connection rawConnection(String url) throws SQLException {
    Path file = Path.of(url.substring("sqlite:".length()));
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new SQLException(e);
    }
    return new org.sqlite.JDBC().connect("jdbc:sqlite:" + file, new Properties());
  }

  @Override
  protected Dialect dialect() {
    return Dialect.SQLITE;
  }
}
