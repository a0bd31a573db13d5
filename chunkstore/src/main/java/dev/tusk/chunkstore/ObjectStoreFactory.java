package dev.tusk.chunkstore;

import java.io.IOException;
import java.net.URI;

/**
 * Creates the {@link ObjectStore} for one URL scheme. Implementations are found with {@link
 * java.util.ServiceLoader}; {@link ObjectStores#open(String)} picks one by the URL's scheme.
 */
public interface ObjectStoreFactory {

  /** The URL scheme served, e.g. {@code file}, {@code s3}, {@code azblob}, {@code mem}. */
  String scheme();

  /** Opens the store named by {@code url}, whose scheme is {@link #scheme()}. */
  ObjectStore create(URI url) throws IOException;
}
