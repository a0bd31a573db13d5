package dev.tusk.fsd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store on a real PostgreSQL server that this class starts, one schema per test. Under CI
 * ({@code CI=true}) a missing or failing PostgreSQL fails the run; elsewhere it skips it.
 */
class PostgresMetadataStoreIT extends AbstractMetadataStoreTest {
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

  @Test
  void tablesGoIntoTheSchemaThatTheUrlSelects() throws Exception {
    store.createRepo(repo("images"));

    try (Connection c = server.connect(PostgresServer.DATABASE);
        Statement statement = c.createStatement();
        ResultSet rs = statement.executeQuery("SELECT name FROM " + schemaOf(url()) + ".repos")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("images");
    }
  }

  @Test
  void namesAreComparedBytewiseWhateverTheDatabaseCollation() throws Exception {
    try (Connection c = server.connect(PostgresServer.DATABASE);
        Statement statement = c.createStatement();
        ResultSet rs = statement.executeQuery("SELECT 'a' < 'B'")) {
      // The server's default collation is linguistic, so this store must not rely on it.
      assertThat(rs.next()).isTrue();
      assertThat(rs.getBoolean(1)).isTrue();
    }
    store.createRepo(repo("a"));
    store.createRepo(repo("B"));

    assertThat(store.listRepos()).extracting(RepoRecord::name).containsExactly("B", "a");
  }

  @Test
  void survivesAServerCrashAndRestart() {
    store.createRepo(repo("before"));
    MetadataStore other = openAnother();
    other.listRepos();

    server.restart();

    // The pooled connections died with the server; the store replaces them without failing.
    assertThat(store.getRepo("before")).isPresent();
    store.createRepo(repo("after"));
    assertThat(other.listRepos()).extracting(RepoRecord::name).containsExactly("after", "before");
  }

  @Test
  void aStoppedServerIsUnavailableAndTheStoreRecoversWhenItIsBack() {
    store.createRepo(repo("images"));
    server.stop();
    try {
      assertThatThrownBy(() -> store.getRepo("images"))
          .isInstanceOfSatisfying(
              PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
          .hasMessageNotContaining(PASSWORD);
      assertThatThrownBy(() -> store.createRepo(repo("more")))
          .isInstanceOfSatisfying(
              PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    } finally {
      server.startAgain();
    }

    assertThat(store.getRepo("images")).isPresent();
  }

  @Test
  void openingAnUnreachableServerFailsWithUnavailableWithoutThePassword() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    assertThatThrownBy(
            () ->
                MetadataStores.open(
                    "postgresql://tusk:" + PASSWORD + "@127.0.0.1:" + closedPort + "/tusk"))
        .isInstanceOfSatisfying(
            PfsException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
        .hasMessageContaining("postgresql://tusk@127.0.0.1:" + closedPort + "/tusk")
        .hasMessageNotContaining(PASSWORD);
  }

  @Test
  void aMissingDatabaseFailsToOpenWithoutThePassword() {
    String url =
        "postgresql://postgres:" + PASSWORD + "@127.0.0.1:" + server.port() + "/no_such_db";

    assertThatThrownBy(() -> MetadataStores.open(url))
        .isInstanceOf(PfsException.class)
        .hasMessageContaining("no_such_db")
        .hasMessageNotContaining(PASSWORD);
  }

  @Test
  void manyDaemonsOpeningAtOnceCreateTheSchemaOnce() throws Exception {
    store.close();
    String fresh = newDatabaseUrl();

    runConcurrently(
        6,
        t -> {
          MetadataStores.open(fresh).close();
          return null;
        });

    try (Connection c = server.connect(PostgresServer.DATABASE);
        Statement statement = c.createStatement();
        ResultSet count =
            statement.executeQuery("SELECT COUNT(*) FROM " + schemaOf(fresh) + ".schema_version")) {
      assertThat(count.next()).isTrue();
      assertThat(count.getInt(1)).isEqualTo(1);
    }
  }

  private static String schemaOf(String url) {
    return url.substring(url.indexOf("currentSchema=") + "currentSchema=".length());
  }
}
