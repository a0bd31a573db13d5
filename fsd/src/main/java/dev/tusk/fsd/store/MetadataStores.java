package dev.tusk.fsd.store;

/**
 * Opens {@link MetadataStore}s.
 *
 * <p>Two kinds of URL are accepted:
 *
 * <ul>
 *   <li>{@code sqlite:/var/lib/tusk/metadata.db}: the embedded default, one file (with its {@code
 *       -wal} and {@code -shm} companions) created with its directories if missing. A relative
 *       path, {@code sqlite:metadata.db}, is resolved against the working directory. Every
 *       acknowledged write survives a crash or power loss (WAL journal, {@code synchronous=FULL}).
 *   <li>{@code postgresql://user:password@host:port/database?parameters} (or {@code postgres://}),
 *       for several daemons sharing one bucket. User and password are percent-encoded; several
 *       {@code host:port} pairs and PgJDBC's parameters, such as {@code sslmode=verify-full}, pass
 *       through.
 * </ul>
 *
 * <p>The schema is created on first open; a database written by an older release is upgraded in
 * place, and one written by a newer release is refused. Timestamps are kept to the microsecond.
 */
public final class MetadataStores {
  private MetadataStores() {}

  /**
   * Connects to the store at {@code url}, creating its schema if the database has none and
   * upgrading an older one.
   *
   * @throws IllegalArgumentException if the URL has neither accepted form (the message names them
   *     and never repeats the URL, which may hold a password)
   * @throws dev.tusk.fsd.PfsException UNAVAILABLE if the database cannot be reached, INTERNAL if it
   *     cannot be used (for instance, its schema is newer than this Tusk)
   */
  public static MetadataStore open(String url) {
    return JdbcMetadataStore.open(JdbcTarget.parse(url));
  }
}
