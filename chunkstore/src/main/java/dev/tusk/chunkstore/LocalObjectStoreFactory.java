package dev.tusk.chunkstore;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * {@code file:///absolute/dir}: objects as files under a local directory. One optional query
 * parameter, {@code direct_io=true|false} (default true): whether files are written with direct
 * I/O where the filesystem allows it.
 */
public final class LocalObjectStoreFactory implements ObjectStoreFactory {
  private static final String DIRECT_IO = "direct_io";

  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public ObjectStore create(URI url) throws IOException {
    if (url.getPath() == null || url.getPath().isEmpty() || url.getAuthority() != null) {
      throw new IllegalArgumentException(
          "Invalid local store URL '" + url + "': expected file:///absolute/directory");
    }
    return new LocalObjectStore(Path.of(withoutQuery(url)), directIo(url));
  }

  private static boolean directIo(URI url) {
    String query = url.getQuery();
    if (query == null || query.isEmpty()) {
      return true;
    }
    return switch (query) {
      case DIRECT_IO + "=true" -> true;
      case DIRECT_IO + "=false" -> false;
      default -> throw new IllegalArgumentException(
          "Invalid local store URL '" + url + "': unknown query '" + query + "' (expected "
              + DIRECT_IO + "=true or " + DIRECT_IO + "=false)");
    };
  }

  private static URI withoutQuery(URI url) {
    try {
      return new URI(url.getScheme(), null, url.getPath(), null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Invalid local store URL '" + url + "': " + e.getReason(), e);
    }
  }
}
