package dev.tusk.chunkstore;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/** {@code file:///absolute/dir}: objects as files under a local directory. */
public final class LocalObjectStoreFactory implements ObjectStoreFactory {
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
    return new LocalObjectStore(Path.of(url));
  }
}
