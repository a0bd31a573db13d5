package dev.tusk.fsd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Parsing metadata store URLs. */
class JdbcTargetTest {

  @Test
  void sqliteAbsolutePath() {
    JdbcTarget target = JdbcTarget.parse("sqlite:/var/lib/tusk/metadata.db");

    assertThat(target.dialect()).isEqualTo(Dialect.SQLITE);
    assertThat(target.jdbcUrl()).isEqualTo("jdbc:sqlite:/var/lib/tusk/metadata.db");
    assertThat(target.sqliteFile()).isEqualTo(Path.of("/var/lib/tusk/metadata.db"));
    assertThat(target.displayName()).isEqualTo("sqlite:/var/lib/tusk/metadata.db");
  }

  @Test
  void sqliteRelativePathResolvesAgainstTheWorkingDirectory() {
    JdbcTarget target = JdbcTarget.parse("sqlite:tusk/../meta.db");

    Path expected = Path.of("").toAbsolutePath().resolve("meta.db");
    assertThat(target.sqliteFile()).isEqualTo(expected);
    assertThat(target.jdbcUrl()).isEqualTo("jdbc:sqlite:" + expected);
  }

  @Test
  void sqliteNeedsAFile() {
    assertThatThrownBy(() -> JdbcTarget.parse("sqlite:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sqlite:/path/to/metadata.db");
    assertThatThrownBy(() -> JdbcTarget.parse("sqlite::memory:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("file path");
  }

  @Test
  void postgresqlMapsToPgJdbcWithUserAndPasswordAsProperties() {
    JdbcTarget target = JdbcTarget.parse("postgresql://tusk:s3cret@db.example:6543/meta");

    assertThat(target.dialect()).isEqualTo(Dialect.POSTGRESQL);
    assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/meta");
    assertThat(target.user()).isEqualTo("tusk");
    assertThat(target.password()).isEqualTo("s3cret");
    assertThat(target.sqliteFile()).isNull();
    assertThat(target.displayName()).isEqualTo("postgresql://tusk@db.example:6543/meta");
  }

  @Test
  void postgresqlDecodesUserInfoAndKeepsParametersAndHosts() {
    JdbcTarget target =
        JdbcTarget.parse("postgres://me%40corp:p%3Aw+d@x@h1:5432,h2/meta?sslmode=verify-full");

    assertThat(target.user()).isEqualTo("me@corp");
    assertThat(target.password()).isEqualTo("p:w+d@x");
    assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://h1:5432,h2/meta?sslmode=verify-full");
    assertThat(target.displayName()).isEqualTo("postgresql://me@corp@h1:5432,h2/meta");
  }

  @Test
  void postgresqlWithoutUserInfo() {
    JdbcTarget target = JdbcTarget.parse("postgresql://localhost/meta");

    assertThat(target.user()).isNull();
    assertThat(target.password()).isNull();
    assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost/meta");
  }

  @Test
  void postgresqlNeedsHostAndDatabase() {
    assertThatThrownBy(() -> JdbcTarget.parse("postgresql://u:hunter2@host"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("postgresql://user:password@host:port/database")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> JdbcTarget.parse("postgresql://u:hunter2@host/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> JdbcTarget.parse("postgresql://u:hunter2@/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void malformedEncodingDoesNotEchoThePassword() {
    assertThatThrownBy(() -> JdbcTarget.parse("postgresql://u:hunter2%zz@host/db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void unknownSchemeNamesTheAcceptedFormsWithoutTheUrl() {
    assertThatThrownBy(() -> JdbcTarget.parse("mysql://root:hunter2@db/tusk"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'mysql'")
        .hasMessageContaining("sqlite:/path/to/metadata.db")
        .hasMessageContaining("postgresql://user:password@host:port/database")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> JdbcTarget.parse("/var/lib/tusk/metadata.db"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without a scheme");
  }

  @Test
  void toStringHidesThePassword() {
    JdbcTarget target = JdbcTarget.parse("postgresql://tusk:hunter2@db/meta?password=hunter2");

    assertThat(target.toString()).doesNotContain("hunter2");
  }
}
