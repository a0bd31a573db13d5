package dev.tusk.chunkstore.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DownloadRetryOptions;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import dev.tusk.chunkstore.ObjectKeys;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.TransientStoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects as block blobs in one Azure Blob Storage container, under an optional name prefix ({@code
 * azblob://container/prefix}).
 *
 * <p>Put-if-absent is a conditional upload with {@code If-None-Match: *}, which the service
 * evaluates atomically. The container is created on the first write that finds it missing, so
 * opening a store makes no request and read-only credentials suffice for reading; a missing
 * container reads as an empty store.
 *
 * <p>The SDK's own retries are off: {@link dev.tusk.chunkstore.ObjectStores} wraps every store in a
 * retrying decorator, which retries exactly the failures mapped here to {@link
 * TransientStoreException}. HTTP goes through the JDK's client on a pool this store owns; Netty is
 * not used.
 */
final class AzureBlobObjectStore implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(AzureBlobObjectStore.class);

  /** Blobs up to this size go up in one request; larger ones as blocks staged in parallel. */
  private static final long MAX_SINGLE_UPLOAD_BYTES = 8L << 20;

  private static final long BLOCK_BYTES = 4L << 20;
  private static final int UPLOAD_CONCURRENCY = 4;
  private static final int HTTP_THREADS = 4;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration IO_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
  private static final Pattern SERVICE_MESSAGE = Pattern.compile("<Message>([^<\\r\\n]*)");

  private final String container;
  private final String prefix;
  private final ExecutorService httpExecutor;
  private final BlobContainerClient containerClient;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param service a builder that already holds the endpoint and credentials
   * @param container the container's name
   * @param prefix empty, or a valid key prefix ending in '/' under which all keys are stored
   */
  AzureBlobObjectStore(BlobServiceClientBuilder service, String container, String prefix) {
    this.container = container;
    this.prefix = prefix;
    this.httpExecutor = Executors.newFixedThreadPool(HTTP_THREADS, daemonThreads("azblob-http-"));
    HttpClient http =
        new JdkHttpClientBuilder()
            .executor(httpExecutor)
            .connectionTimeout(CONNECT_TIMEOUT)
            .writeTimeout(IO_TIMEOUT)
            .responseTimeout(IO_TIMEOUT)
            .readTimeout(IO_TIMEOUT)
            .build();
    this.containerClient =
        service
            .httpClient(http)
            .retryOptions(
                new RequestRetryOptions(
                    RetryPolicyType.FIXED, 1, (Duration) null, null, null, null))
            .buildClient()
            .getBlobContainerClient(container);
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    upload(key, data, null);
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) throws IOException {
    try {
      upload(key, data, new BlobRequestConditions().setIfNoneMatch("*"));
      return true;
    } catch (ConditionFailedException e) {
      return false;
    }
  }

  @Override
  public byte[] get(String key) throws IOException {
    BlobClient blob = blob(key);
    return call(
            "get",
            key,
            () -> blob.downloadContentWithResponse(noDownloadRetries(), null, null, Context.NONE))
        .getValue()
        .toBytes();
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "Invalid range of '" + key + "': offset " + offset + ", length " + length);
    }
    BlobClient blob = blob(key);
    if (length == 0) {
      // A zero-length range cannot be requested; still report a missing key like other backends.
      call("get", key, blob::getProperties);
      return new byte[0];
    }
    BlobRange range = new BlobRange(offset, (long) length);
    try {
      return call(
              "get",
              key,
              () ->
                  blob.downloadContentWithResponse(
                      noDownloadRetries(), null, range, false, null, Context.NONE))
          .getValue()
          .toBytes();
    } catch (RangeNotSatisfiableException e) {
      return new byte[0]; // the offset is at or past the end
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    BlobClient blob = blob(key);
    return call("stat", key, blob::exists);
  }

  @Override
  public void delete(String key) throws IOException {
    BlobClient blob = blob(key);
    call("delete", key, blob::deleteIfExists);
  }

  @Override
  public Stream<String> list(String keyPrefix) throws IOException {
    ObjectKeys.checkPrefix(keyPrefix);
    ensureOpen();
    ListBlobsOptions options = new ListBlobsOptions().setPrefix(prefix + keyPrefix);
    Keys keys = new Keys(keyPrefix, containerClient.listBlobs(options, null).iterableByPage());
    keys.fetchPage(); // the first page now, so that its failures reach the retrying caller
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(keys, Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    httpExecutor.shutdown();
    try {
      if (!httpExecutor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("HTTP threads of {} still busy after {}; interrupting them", this, CLOSE_WAIT);
        httpExecutor.shutdownNow();
      }
    } catch (InterruptedException e) {
      httpExecutor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "azblob://"
        + container
        + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
  }

  private void upload(String key, byte[] data, BlobRequestConditions conditions)
      throws IOException {
    BlobClient blob = blob(key);
    try {
      call(
          "put",
          key,
          () -> blob.uploadWithResponse(uploadOptions(data, conditions), null, Context.NONE));
    } catch (ContainerNotFoundException e) {
      LOG.info("Creating container {} for {}", container, this);
      call("create container for", key, containerClient::createIfNotExists);
      call(
          "put",
          key,
          () -> blob.uploadWithResponse(uploadOptions(data, conditions), null, Context.NONE));
    }
  }

  /** New options for every attempt: the SDK consumes the buffers that the options hold. */
  private static BlobParallelUploadOptions uploadOptions(
      byte[] data, BlobRequestConditions conditions) {
    return new BlobParallelUploadOptions(BinaryData.fromBytes(data))
        .setParallelTransferOptions(
            new ParallelTransferOptions()
                .setMaxSingleUploadSizeLong(MAX_SINGLE_UPLOAD_BYTES)
                .setBlockSizeLong(BLOCK_BYTES)
                .setMaxConcurrency(UPLOAD_CONCURRENCY))
        .setRequestConditions(conditions);
  }

  private BlobClient blob(String key) throws IOException {
    ObjectKeys.check(key);
    ensureOpen();
    return containerClient.getBlobClient(prefix + key);
  }

  private void ensureOpen() throws IOException {
    if (closed.get()) {
      throw new IOException(this + " is closed");
    }
  }

  private static DownloadRetryOptions noDownloadRetries() {
    return new DownloadRetryOptions().setMaxRetryRequests(0);
  }

  /** Runs one SDK call, turning its unchecked exceptions into this store's {@link IOException}s. */
  private <T> T call(String operation, String key, Supplier<T> sdkCall) throws IOException {
    try {
      return sdkCall.get();
    } catch (RuntimeException e) {
      throw failure(operation, key, e);
    }
  }

  private IOException failure(String operation, String key, RuntimeException e) {
    String what = "Cannot " + operation + " '" + key + "' in " + this;
    HttpResponseException response = causeOf(e, HttpResponseException.class);
    if (response != null) {
      return failure(what, key, response);
    }
    if (causeOf(e, InterruptedException.class) != null) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException(what + ": interrupted");
      interrupted.initCause(e);
      return interrupted;
    }
    IOException io = causeOf(e, IOException.class);
    if (io != null || causeOf(e, TimeoutException.class) != null) {
      return new TransientStoreException(what + ": " + (io != null ? io : e), e);
    }
    return new IOException(what + ": " + e, e);
  }

  private IOException failure(String what, String key, HttpResponseException e) {
    int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
    BlobErrorCode code =
        e instanceof BlobStorageException ? ((BlobStorageException) e).getErrorCode() : null;
    String message = what + ": " + status + " " + code + ": " + serviceMessage(e);
    IOException failure;
    if (BlobErrorCode.BLOB_NOT_FOUND.equals(code)) {
      failure = new NoSuchFileException(key, null, "no such object in " + this);
    } else if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
      failure = new ContainerNotFoundException(key, "no container for " + this);
    } else if ((status == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(code)) || status == 412) {
      failure = new ConditionFailedException(message);
    } else if (status == 416) {
      failure = new RangeNotSatisfiableException(message);
    } else if (status == 429
        || status >= 500
        // Another writer of the same blob committed and so discarded the blocks staged here;
        // staging them again succeeds.
        || BlobErrorCode.INVALID_BLOCK_LIST.equals(code)) {
      failure = new TransientStoreException(message, e);
    } else {
      failure = new IOException(message);
    }
    if (failure.getCause() == null) {
      failure.initCause(e);
    }
    return failure;
  }

  /** The service's one-line explanation from the error body, or the SDK's message without one. */
  private static String serviceMessage(HttpResponseException e) {
    String text = String.valueOf(e.getMessage());
    Matcher m = SERVICE_MESSAGE.matcher(text);
    if (m.find()) {
      return m.group(1).trim();
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  /**
   * The first {@code type} in e's chain of causes, or among the failures it suppressed: when the
   * blocks of a parallel upload fail together (no container, say), reactor throws a
   * CompositeException that holds each block's failure as suppressed, not as its cause.
   * Package-private for a test.
   */
  static <T extends Throwable> T causeOf(Throwable e, Class<T> type) {
    return causeOf(e, type, 0);
  }

  private static <T extends Throwable> T causeOf(Throwable e, Class<T> type, int depth) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      for (Throwable suppressed : depth < 2 ? t.getSuppressed() : new Throwable[0]) {
        T found = causeOf(suppressed, type, depth + 1);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static ThreadFactory daemonThreads(String namePrefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, namePrefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Keys of a listing, one page of blobs at a time. */
  private final class Keys implements Iterator<String> {
    private final String keyPrefix;
    private final Iterable<PagedResponse<BlobItem>> listing;
    private Iterator<PagedResponse<BlobItem>> pages; // requests the first page when created
    private Iterator<BlobItem> page = Collections.emptyIterator();
    private boolean done;

    Keys(String keyPrefix, Iterable<PagedResponse<BlobItem>> listing) {
      this.keyPrefix = keyPrefix;
      this.listing = listing;
    }

    /** Moves to the next non-empty page; false at the end of the listing. */
    boolean fetchPage() throws IOException {
      while (!done && !page.hasNext()) {
        try {
          if (pages == null) {
            pages = listing.iterator();
          }
          if (pages.hasNext()) {
            page = pages.next().getValue().iterator();
          } else {
            done = true;
          }
        } catch (RuntimeException e) {
          IOException failure = failure("list", keyPrefix, e);
          if (!(failure instanceof ContainerNotFoundException)) {
            throw failure;
          }
          done = true; // nothing stored yet
        }
      }
      return !done;
    }

    @Override
    public boolean hasNext() {
      try {
        return page.hasNext() || fetchPage();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return page.next().getName().substring(prefix.length());
    }
  }

  /** The blob exists, so a put-if-absent lost. */
  private static final class ConditionFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    ConditionFailedException(String message) {
      super(message);
    }
  }

  /** A ranged read started at or past the end of the blob. */
  private static final class RangeNotSatisfiableException extends IOException {
    private static final long serialVersionUID = 1L;

    RangeNotSatisfiableException(String message) {
      super(message);
    }
  }

  /** No container: no object exists to read, and a write creates the container and tries again. */
  private static final class ContainerNotFoundException extends NoSuchFileException {
    private static final long serialVersionUID = 1L;

    ContainerNotFoundException(String key, String reason) {
      super(key, null, reason);
    }
  }
}
