package dev.tusk.fsd.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a {@link JdbcMetadataStore} connects, parsed from a metadata store URL.
 *
 * @param sqliteFile the database file for SQLite, {@code null} for PostgreSQL
 * @param displayName the URL without password or query, for logs and error messages
 */
record JdbcTarget(
    Dialect dialect,
    String jdbcUrl,
    String user,
    String password,
    Path sqliteFile,
    String displayName) {

  static final String ACCEPTED_FORMS =
      "sqlite:/path/to/metadata.db or postgresql://user:password@host:port/database";

  private static final String SQLITE = "sqlite:";
  private static final String[] POSTGRESQL = {"postgresql://", "postgres://"};

  JdbcTarget {
    Objects.requireNonNull(dialect, "dialect");
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(displayName, "displayName");
  }

  /**
   * Parses {@code sqlite:/abs/path}, {@code sqlite:relative/path} (against the working directory)
   * or {@code postgresql://[user[:password]@]host[:port][,host2...]/database[?parameters]}, where
   * user and password are percent-encoded and the parameters are PgJDBC's.
   *
   * @throws IllegalArgumentException naming the accepted forms; it never repeats the URL, which may
   *     hold a password
   */
  static JdbcTarget parse(String url) {
    Objects.requireNonNull(url, "url");
    if (url.startsWith(SQLITE)) {
      return sqlite(url.substring(SQLITE.length()));
    }
    for (String scheme : POSTGRESQL) {
      if (url.startsWith(scheme)) {
        return postgresql(url.substring(scheme.length()));
      }
    }
    int colon = url.indexOf(':');
    String scheme =
        colon > 0 && url.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")
            ? "scheme '" + url.substring(0, colon) + "'"
            : "URL without a scheme";
    throw new IllegalArgumentException(
        "Unsupported metadata store " + scheme + ": expected " + ACCEPTED_FORMS);
  }

  private static JdbcTarget sqlite(String location) {
    if (location.isEmpty() || location.startsWith(":")) {
      // ":memory:" and friends would give every pooled connection its own empty database.
      throw new IllegalArgumentException(
          "A SQLite metadata store needs a file path: expected " + ACCEPTED_FORMS);
    }
    Path file;
    try {
      file = Path.of(location).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          "Invalid SQLite metadata store path: " + e.getMessage(), e);
    }
    return new JdbcTarget(
        Dialect.SQLITE, "jdbc:sqlite:" + file, null, null, file, "sqlite:" + file);
  }

  private static JdbcTarget postgresql(String rest) {
    int slash = rest.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException(
          "A PostgreSQL metadata store URL needs a database: expected " + ACCEPTED_FORMS);
    }
    String authority = rest.substring(0, slash);
    String pathAndQuery = rest.substring(slash + 1);
    // The last '@' ends the user info: a password may contain an unencoded '@', a host never does.
    int at = authority.lastIndexOf('@');
    String hosts = authority.substring(at + 1);
    String user = null;
    String password = null;
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    int question = pathAndQuery.indexOf('?');
    String database = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
    if (hosts.isEmpty() || database.isEmpty()) {
      throw new IllegalArgumentException(
          "A PostgreSQL metadata store URL needs a host and a database: expected "
              + ACCEPTED_FORMS);
    }
    // Hosts, database and parameters mean the same to PgJDBC, so they pass through unchanged.
    String jdbcUrl = "jdbc:postgresql://" + hosts + "/" + pathAndQuery;
    String display =
        "postgresql://" + (user == null ? "" : user + "@") + hosts + "/" + decode(database);
    return new JdbcTarget(Dialect.POSTGRESQL, jdbcUrl, user, password, null, display);
  }

  private static String decode(String s) {
    try {
      // URLDecoder is for forms, where '+' means a space; in a URL's user info it is a plus.
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      // The message would quote the malformed text, which may be the password.
      throw new IllegalArgumentException(
          "Malformed percent-encoding in a PostgreSQL metadata store URL: expected "
              + ACCEPTED_FORMS);
    }
  }

  /** The display name only: the generated one would print the password. */
  @Override
  public String toString() {
    return displayName;
  }
}
