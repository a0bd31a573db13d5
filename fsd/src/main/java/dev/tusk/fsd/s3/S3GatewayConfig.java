package dev.tusk.fsd.s3;

import dev.tusk.fsd.ListenAddress;
import java.util.Objects;

/**
 * How the S3 gateway runs.
 *
 * @param listen {@code host:port}; port 0 picks a free one
 * @param credentials the one access key that signed requests must use, or null for none (then
 *     only anonymous requests can succeed, and only if allowed)
 * @param anonymous whether unsigned requests are served (read and write)
 * @param workerThreads the bound on requests handled at once; more wait in a queue, and beyond
 *     that are answered 503 SlowDown
 */
public record S3GatewayConfig(
    String listen, S3Credentials credentials, boolean anonymous, int workerThreads) {
  public static final String ACCESS_KEY_ENV = "TUSK_S3_ACCESS_KEY_ID";
  public static final String SECRET_KEY_ENV = "TUSK_S3_SECRET_ACCESS_KEY";
  public static final int DEFAULT_WORKER_THREADS = 64;

  public S3GatewayConfig {
    Objects.requireNonNull(listen, "listen");
    if (credentials == null && !anonymous) {
      throw new IllegalArgumentException(
          "The S3 gateway needs credentials: set " + ACCESS_KEY_ENV + " and " + SECRET_KEY_ENV
              + ", or allow anonymous access");
    }
    if (workerThreads < 1) {
      throw new IllegalArgumentException("workerThreads must be at least 1");
    }
  }

  public S3GatewayConfig(String listen, S3Credentials credentials, boolean anonymous) {
    this(listen, credentials, anonymous, DEFAULT_WORKER_THREADS);
  }

  /** Credentials from {@value #ACCESS_KEY_ENV} and {@value #SECRET_KEY_ENV}, or null if unset. */
  public static S3Credentials credentialsFrom(java.util.function.Function<String, String> env) {
    String id = env.apply(ACCESS_KEY_ENV);
    String secret = env.apply(SECRET_KEY_ENV);
    if ((id == null || id.isEmpty()) && (secret == null || secret.isEmpty())) {
      return null;
    }
    if (id == null || id.isEmpty() || secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("Set both " + ACCESS_KEY_ENV + " and " + SECRET_KEY_ENV + ", or neither");
    }
    return new S3Credentials(id, secret);
  }

  /** The host part of {@link #listen}. */
  public String host() {
    return ListenAddress.parse(listen, "S3 address").host();
  }

  /** The port part of {@link #listen}. */
  public int port() {
    return ListenAddress.parse(listen, "S3 address").port();
  }
}
