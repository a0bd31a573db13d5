package dev.tusk.chunkstore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * A flat namespace of keys to blobs in a storage service: what every backend (local directory, S3,
 * Azure Blob, memory) provides and nothing more. Keys are relative, slash-separated paths whose
 * segments use {@code [A-Za-z0-9._-]} (see {@link ObjectKeys}).
 *
 * <p>Errors: a missing key is a {@link NoSuchFileException}; a failure worth retrying is a {@link
 * TransientStoreException}; anything else is an {@link IOException} carrying the backend's message.
 * Implementations are thread-safe.
 */
public interface ObjectStore extends AutoCloseable {

  /** Writes {@code key} atomically, replacing what was there; durable when this returns. */
  void put(String key, byte[] data) throws IOException;

  /**
   * Writes {@code key} atomically unless it already exists; durable when this returns.
   *
   * @return whether this call created the object
   */
  boolean putIfAbsent(String key, byte[] data) throws IOException;

  /**
   * Like {@link #putIfAbsent}, and readable as soon as it returns, but durable only once a later
   * {@link #sync()} returns: for writing many objects (a batch of chunks) whose durability then
   * costs one barrier instead of one per object. A crash before the barrier may lose the object,
   * never leave wrong bytes under its key.
   *
   * <p>The default is {@link #putIfAbsent}, durable at once, which suits backends whose writes are
   * durable on return (S3, Azure Blob, memory) and keeps decorators that do not forward this method
   * correct.
   *
   * @return whether this call created the object
   */
  default boolean putIfAbsentUnsynced(String key, byte[] data) throws IOException {
    return putIfAbsent(key, data);
  }

  /**
   * A durability barrier: when it returns, every object that {@link #putIfAbsentUnsynced} wrote, or
   * reported as already there, before this call began is durable. Call it before recording anything
   * that points at those objects. The default does nothing, for backends whose writes are durable
   * on return.
   */
  default void sync() throws IOException {}

  /** The whole object. */
  byte[] get(String key) throws IOException;

  /**
   * The whole object in a buffer that {@code buffers} hands out for its size, ready to read: for a
   * caller that recycles its own memory (pooled direct buffers) instead of taking a new array per
   * object. {@code buffers} may be asked again if a read is retried. The default copies {@link
   * #get(String)}; a backend that can read straight into the buffer does.
   */
  default ByteBuffer get(String key, IntFunction<ByteBuffer> buffers) throws IOException {
    byte[] data = get(key);
    return buffers.apply(data.length).put(data).flip();
  }

  /**
   * Up to {@code length} bytes starting at {@code offset}: fewer only when the object ends first,
   * none when {@code offset} is at or past its end.
   */
  byte[] get(String key, long offset, int length) throws IOException;

  boolean exists(String key) throws IOException;

  /** Deletes {@code key}; deleting a missing key is not an error. */
  void delete(String key) throws IOException;

  /** Every key that starts with {@code prefix}, in no particular order; the caller closes it. */
  Stream<String> list(String prefix) throws IOException;

  /** Releases clients and threads; idempotent. */
  @Override
  void close() throws IOException;
}
