package dev.tusk.chunkstore.s3;

import dev.tusk.chunkstore.ObjectKeys;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.TransientStoreException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.pagination.sync.SdkIterable;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Objects in an S3 bucket under a key prefix, through the AWS SDK v2 and its Apache HTTP client.
 *
 * <p>The SDK's own retries are off: {@link dev.tusk.chunkstore.ObjectStores} wraps every store in
 * one retry policy, and two nested retry loops would multiply the attempts. Failures worth retrying
 * (throttling, 5xx, dropped connections, timeouts) become {@link TransientStoreException}s; every
 * other service error becomes an {@link IOException} with S3's error code and message.
 *
 * <p>Put-if-absent is a PutObject with {@code If-None-Match: *}, which S3 resolves atomically: 412
 * means another writer got there first.
 */
final class S3ObjectStore implements ObjectStore {
  private static final Logger LOG = LoggerFactory.getLogger(S3ObjectStore.class);

  private static final int MAX_CONNECTIONS = 64;
  private static final int MAX_PAGE_SIZE = 1000; // ListObjectsV2's largest (and default) page
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration POOL_TIMEOUT = Duration.ofSeconds(30);

  /** Service error codes that S3 documents as "try again" whatever their HTTP status. */
  private static final Set<String> TRANSIENT_CODES =
      Set.of(
          "SlowDown",
          "RequestTimeout",
          "InternalError",
          "ServiceUnavailable",
          "ConditionalRequestConflict",
          "OperationAborted");

  /** The parsed store URL; {@link #toString()} leaves out the secret key. */
  record Settings(
      String bucket,
      String prefix,
      URI endpoint,
      String region,
      boolean pathStyle,
      String accessKey,
      String secretKey) {

    @Override
    public String toString() {
      return "s3://"
          + bucket
          + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
    }
  }

  private final S3Client client;
  private final String bucket;
  private final String prefix;
  private final String name;
  private final int pageSize;
  private final AtomicBoolean closed = new AtomicBoolean();

  S3ObjectStore(Settings settings) {
    this(settings, MAX_PAGE_SIZE);
  }

  /** A store whose listings fetch {@code pageSize} keys a request: tests use small pages. */
  S3ObjectStore(Settings settings, int pageSize) {
    this.client = newClient(settings);
    this.bucket = settings.bucket();
    this.prefix = settings.prefix();
    this.name = settings.toString();
    this.pageSize = pageSize;
    LOG.debug(
        "Opened {} (endpoint {}, region {})",
        name,
        settings.endpoint() == null ? "AWS" : settings.endpoint(),
        settings.region());
  }

  private static S3Client newClient(Settings settings) {
    S3ClientBuilder builder =
        S3Client.builder()
            // Given as a builder, the HTTP client belongs to the S3 client and closes with it.
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .maxConnections(MAX_CONNECTIONS)
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .socketTimeout(SOCKET_TIMEOUT)
                    .connectionAcquisitionTimeout(POOL_TIMEOUT)
                    .tcpKeepAlive(true))
            .region(Region.of(settings.region()))
            .forcePathStyle(settings.pathStyle())
            // A plain body signed with one SHA-256 of it, not the SDK's default aws-chunked body
            // signed every 128 KiB: that chunk signing cost the mount writing 1 GiB to s3proxy a
            // third of its CPU, and s3proxy more still to check it.
            .serviceConfiguration(c -> c.chunkedEncodingEnabled(false))
            // Chunks carry their own SHA-256 and every read is verified against it: the SDK's
            // extra CRC on each upload and download would only cost CPU (and a chunked upload).
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    if (settings.accessKey() != null) {
      builder.credentialsProvider(
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())));
    }
    return builder.build();
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    String s3Key = s3Key(key);
    call("put", key, () -> client.putObject(b -> b.bucket(bucket).key(s3Key), body(data)));
  }

  @Override
  public boolean putIfAbsent(String key, byte[] data) throws IOException {
    String s3Key = s3Key(key);
    try {
      client.putObject(b -> b.bucket(bucket).key(s3Key).ifNoneMatch("*"), body(data));
      return true;
    } catch (SdkServiceException e) {
      if (e.statusCode() == 412) {
        return false;
      }
      throw translate("put", location(key), e);
    } catch (SdkException e) {
      throw translate("put", location(key), e);
    }
  }

  @Override
  public byte[] get(String key) throws IOException {
    String s3Key = s3Key(key);
    try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket(bucket).key(s3Key))) {
      return readAll(in, in.response().contentLength(), location(key));
    } catch (SdkServiceException e) {
      throw isMissingObject(e) ? noSuchObject(key, e) : translate("get", location(key), e);
    } catch (SdkException e) {
      throw translate("get", location(key), e);
    }
  }

  /**
   * The body read into one array of the announced size: the SDK's own byte collection grows a
   * buffer by doubling, which costs more CPU than the download when many chunks arrive at once.
   */
  private static byte[] readAll(InputStream in, Long contentLength, String location) throws IOException {
    if (contentLength == null || contentLength < 0 || contentLength > Integer.MAX_VALUE - 8) {
      return in.readAllBytes();
    }
    // Straight into the result: readNBytes(int) would gather 8 KiB buffers and copy them again.
    byte[] data = new byte[contentLength.intValue()];
    int n = in.readNBytes(data, 0, data.length);
    if (n != data.length || in.read() != -1) {
      throw new IOException("The body of " + location + " did not match its Content-Length " + contentLength);
    }
    return data;
  }

  @Override
  public byte[] get(String key, long offset, int length) throws IOException {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException(
          "Invalid range of " + key + ": offset " + offset + ", length " + length);
    }
    String s3Key = s3Key(key);
    if (length == 0) {
      // S3 has no empty range; still report a missing object as missing.
      if (!exists(key)) {
        throw new NoSuchFileException(location(key));
      }
      return new byte[0];
    }
    long last = offset > Long.MAX_VALUE - length ? Long.MAX_VALUE : offset + length - 1;
    try {
      ResponseBytes<GetObjectResponse> bytes =
          client.getObjectAsBytes(
              b -> b.bucket(bucket).key(s3Key).range("bytes=" + offset + "-" + last));
      // A server that ignores Range sends the whole object (200 with no Content-Range).
      return bytes.response().contentRange() == null
          ? slice(bytes.asByteArrayUnsafe(), offset, length)
          : bytes.asByteArrayUnsafe();
    } catch (SdkServiceException e) {
      if (e.statusCode() == 416) {
        return new byte[0]; // offset at or past the end
      }
      throw isMissingObject(e) ? noSuchObject(key, e) : translate("get", location(key), e);
    } catch (SdkException e) {
      throw translate("get", location(key), e);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    String s3Key = s3Key(key);
    try {
      client.headObject(b -> b.bucket(bucket).key(s3Key));
      return true;
    } catch (SdkServiceException e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw translate("stat", location(key), e);
    } catch (SdkException e) {
      throw translate("stat", location(key), e);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    String s3Key = s3Key(key);
    try {
      client.deleteObject(b -> b.bucket(bucket).key(s3Key));
    } catch (SdkServiceException e) {
      // S3 answers 204 for a missing key; some compatible services answer 404 NoSuchKey.
      if (!(e.statusCode() == 404 && "NoSuchKey".equals(errorCode(e)))) {
        throw translate("delete", location(key), e);
      }
    } catch (SdkException e) {
      throw translate("delete", location(key), e);
    }
  }

  @Override
  public Stream<String> list(String keyPrefix) throws IOException {
    ObjectKeys.checkPrefix(keyPrefix);
    ListObjectsV2Request request =
        ListObjectsV2Request.builder()
            .bucket(bucket)
            .prefix(prefix + keyPrefix)
            .maxKeys(pageSize)
            .build();
    // The first page is fetched here, so that its failures are checked (and retried) ones.
    ListObjectsV2Response first = call("list", keyPrefix, () -> client.listObjectsV2(request));
    Stream<S3Object> rest =
        Boolean.TRUE.equals(first.isTruncated())
            ? lazily(
                keyPrefix,
                client
                    .listObjectsV2Paginator(
                        request.toBuilder()
                            .continuationToken(first.nextContinuationToken())
                            .build())
                    .contents())
            : Stream.empty();
    return Stream.concat(first.contents().stream(), rest)
        .map(S3Object::key)
        .filter(k -> !k.endsWith("/")) // "folder" markers made by consoles are not objects
        .map(k -> k.substring(prefix.length()));
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.close();
      LOG.debug("Closed {}", name);
    }
  }

  @Override
  public String toString() {
    return name;
  }

  /**
   * The exception for a failed S3 call: a {@link TransientStoreException} when retrying may help,
   * else an {@link IOException} with S3's error code and message.
   */
  static IOException translate(String operation, String location, SdkException e) {
    String what = "Cannot " + operation + " " + location + ": ";
    if (e instanceof SdkServiceException service) {
      String message =
          what
              + errorCode(service)
              + " (HTTP "
              + service.statusCode()
              + "): "
              + errorMessage(service);
      return isTransient(service)
          ? new TransientStoreException(message, e)
          : new IOException(message, e);
    }
    String message = what + e.getMessage();
    return isTransient(e) ? new TransientStoreException(message, e) : new IOException(message, e);
  }

  private static boolean isTransient(SdkServiceException e) {
    return e.statusCode() >= 500
        || e.statusCode() == 429
        || e.isThrottlingException()
        || e.isClockSkewException() // the SDK corrects its clock offset for the next attempt
        || TRANSIENT_CODES.contains(errorCode(e));
  }

  private static boolean isTransient(SdkException e) {
    if (e instanceof ApiCallTimeoutException || e instanceof ApiCallAttemptTimeoutException) {
      return true;
    }
    if (!(e instanceof SdkClientException)) {
      return false;
    }
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLHandshakeException) {
        return false; // a certificate that failed to verify will fail again
      }
      if (cause instanceof IOException) {
        return true; // refused, reset, timed out: the network or the server may recover
      }
    }
    return false;
  }

  /** A 404 for the object rather than for its bucket. */
  private static boolean isMissingObject(SdkServiceException e) {
    return e.statusCode() == 404 && !"NoSuchBucket".equals(errorCode(e));
  }

  private static String errorCode(SdkServiceException e) {
    AwsErrorDetails details = e instanceof AwsServiceException aws ? aws.awsErrorDetails() : null;
    return details == null || details.errorCode() == null ? "no error code" : details.errorCode();
  }

  private static String errorMessage(SdkServiceException e) {
    AwsErrorDetails details = e instanceof AwsServiceException aws ? aws.awsErrorDetails() : null;
    return details == null || details.errorMessage() == null
        ? String.valueOf(e.getMessage())
        : details.errorMessage();
  }

  private <T> T call(String operation, String key, Supplier<T> call) throws IOException {
    try {
      return call.get();
    } catch (SdkException e) {
      throw translate(operation, location(key), e);
    }
  }

  /** The remaining pages of a listing, fetched as the stream is consumed. */
  private Stream<S3Object> lazily(String keyPrefix, SdkIterable<S3Object> objects) {
    Iterator<S3Object> translated =
        new Iterator<>() {
          private Iterator<S3Object> delegate;

          @Override
          public boolean hasNext() {
            return unchecked(() -> delegate().hasNext());
          }

          @Override
          public S3Object next() {
            return unchecked(() -> delegate().next());
          }

          private Iterator<S3Object> delegate() {
            if (delegate == null) {
              delegate = objects.iterator();
            }
            return delegate;
          }

          private <T> T unchecked(Supplier<T> step) {
            try {
              return step.get();
            } catch (SdkException e) {
              throw new UncheckedIOException(translate("list", location(keyPrefix), e));
            }
          }
        };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(translated, Spliterator.NONNULL), false);
  }

  private String s3Key(String key) {
    return prefix + ObjectKeys.check(key);
  }

  private String location(String key) {
    return "s3://" + bucket + "/" + prefix + key;
  }

  private NoSuchFileException noSuchObject(String key, SdkServiceException e) {
    NoSuchFileException missing = new NoSuchFileException(location(key));
    missing.initCause(e);
    return missing;
  }

  private static RequestBody body(byte[] data) {
    // No defensive copy: the array is only read during the call.
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(data), data.length, "application/octet-stream");
  }

  private static byte[] slice(byte[] whole, long offset, int length) {
    int from = (int) Math.min(offset, whole.length);
    return Arrays.copyOfRange(whole, from, (int) Math.min((long) from + length, whole.length));
  }
}
