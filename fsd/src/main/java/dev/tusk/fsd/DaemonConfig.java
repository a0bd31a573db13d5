package dev.tusk.fsd;

import dev.tusk.fsd.s3.S3GatewayConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a daemon runs.
 *
 * @param dataDir where the embedded defaults live: {@code store/} (chunks and trees) and {@code
 *     metadata.db}
 * @param listen {@code host:port} for gRPC; port 0 picks a free one
 * @param storeUrl an object store URL instead of {@code file://<dataDir>/store}, or null
 * @param metadataUrl a metadata URL ({@code postgresql://...}) instead of the SQLite file, or null
 * @param runtime the container runtime pipeline agents run datums in: "bubblewrap" or "docker"
 * @param s3 the S3 gateway's configuration, or null to run none
 */
public record DaemonConfig(
    Path dataDir, String listen, String storeUrl, String metadataUrl, String runtime, S3GatewayConfig s3) {
  public static final String DEFAULT_LISTEN = "127.0.0.1:1650";
  public static final String DEFAULT_RUNTIME = "bubblewrap";

  public DaemonConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    listen = listen == null ? DEFAULT_LISTEN : listen;
    runtime = runtime == null ? DEFAULT_RUNTIME : runtime;
  }

  public DaemonConfig(Path dataDir, String listen, String storeUrl, String metadataUrl, String runtime) {
    this(dataDir, listen, storeUrl, metadataUrl, runtime, null);
  }

  public DaemonConfig(Path dataDir, String listen, String storeUrl, String metadataUrl) {
    this(dataDir, listen, storeUrl, metadataUrl, DEFAULT_RUNTIME, null);
  }

  /** This configuration with the S3 gateway set (null for none). */
  public DaemonConfig withS3(S3GatewayConfig gateway) {
    return new DaemonConfig(dataDir, listen, storeUrl, metadataUrl, runtime, gateway);
  }

  public String effectiveStoreUrl() {
    return storeUrl != null ? storeUrl : dataDir.toAbsolutePath().resolve("store").toUri().toString();
  }

  public String effectiveMetadataUrl() {
    return metadataUrl != null ? metadataUrl : "sqlite:" + dataDir.toAbsolutePath().resolve("metadata.db");
  }

  /** The host part of {@link #listen}. */
  public String host() {
    return ListenAddress.parse(listen, "listen address").host();
  }

  /** The port part of {@link #listen}. */
  public int port() {
    return ListenAddress.parse(listen, "listen address").port();
  }
}
