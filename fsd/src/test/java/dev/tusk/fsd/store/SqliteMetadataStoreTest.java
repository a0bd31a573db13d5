package dev.tusk.fsd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on an embedded SQLite file in a temporary directory. */
class SqliteMetadataStoreTest extends AbstractMetadataStoreTest {
  @TempDir Path dir;

  @Override
  protected String newDatabaseUrl() {
    return "sqlite:" + dir.resolve("data/metadata.db");
  }

  @Test
  void createsTheFileAndItsDirectoriesInWalMode() throws SQLException {
    Path file = dir.resolve("data/metadata.db");

    assertThat(file).isRegularFile();
    try (Connection c = rawConnection(file);
        Statement statement = c.createStatement();
        ResultSet mode = statement.executeQuery("PRAGMA journal_mode")) {
      assertThat(mode.next()).isTrue();
      assertThat(mode.getString(1)).isEqualTo("wal");
    }
  }

  @Test
  void recordsTheSchemaVersion() throws SQLException {
    try (Connection c = rawConnection(dir.resolve("data/metadata.db"));
        Statement statement = c.createStatement();
        ResultSet version = statement.executeQuery("SELECT version FROM schema_version")) {
      assertThat(version.next()).isTrue();
      assertThat(version.getInt(1)).isEqualTo(JdbcMetadataStore.SCHEMA_VERSION);
      assertThat(version.next()).isFalse();
    }
  }

  @Test
  void reopeningDoesNotAddASecondSchemaVersion() throws SQLException {
    store.close();
    openAnother().close();
    openAnother().close();

    try (Connection c = rawConnection(dir.resolve("data/metadata.db"));
        Statement statement = c.createStatement();
        ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM schema_version")) {
      assertThat(count.next()).isTrue();
      assertThat(count.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void refusesASchemaNewerThanItKnows() throws SQLException {
    store.close();
    try (Connection c = rawConnection(dir.resolve("data/metadata.db"));
        Statement statement = c.createStatement()) {
      statement.execute("UPDATE schema_version SET version = 99");
    }

    assertThatThrownBy(this::openAnother)
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
        .hasMessageContaining("schema version 99");
  }

  @Test
  void aFileThatIsNotADatabaseFailsToOpen() throws Exception {
    Path garbage = dir.resolve("garbage.db");
    Files.writeString(
        garbage, "this is not a SQLite database, but it is long enough to look like one");

    assertThatThrownBy(() -> MetadataStores.open("sqlite:" + garbage))
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
        .hasMessageContaining(garbage.toString());
  }

  private static Connection rawConnection(Path file) throws SQLException {
    return new org.sqlite.JDBC().connect("jdbc:sqlite:" + file, new Properties());
  }
}
