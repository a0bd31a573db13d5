package dev.tusk.chunkstore;

import java.io.IOException;

/** A backend failure that may succeed when retried: throttling, a 5xx, a dropped connection. */
public class TransientStoreException extends IOException {
  private static final long serialVersionUID = 1L;

  public TransientStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
