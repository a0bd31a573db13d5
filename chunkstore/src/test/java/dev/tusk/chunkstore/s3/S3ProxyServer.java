package dev.tusk.chunkstore.s3;

import dev.tusk.chunkstore.ServerProcesses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real s3proxy server for the S3 integration tests: {@code java -jar s3proxy.jar} as a child
 * process on a free loopback port, keeping buckets as directories under a temporary directory (the
 * jclouds {@code filesystem} provider) and checking AWS v2/v4 signatures against a fixed identity.
 *
 * <p>Tests get it through {@link Extension}, as a constructor parameter: one server serves the
 * whole test run and stops when the run ends. Failsafe names the jar in the system property {@value
 * #JAR_PROPERTY} and a directory for the server's log in {@value #DIR_PROPERTY}.
 */
public final class S3ProxyServer implements AutoCloseable {
  static final String JAR_PROPERTY = "tusk.s3proxy.jar";
  static final String DIR_PROPERTY = "tusk.s3proxy.dir";
  static final String IDENTITY = "tusk-identity";
  static final String CREDENTIAL = "tusk-credential";
  static final String REGION = "us-east-1";

  private static final Logger LOG = LoggerFactory.getLogger(S3ProxyServer.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  // A free port can be taken by someone else before s3proxy binds it; then try another.
  private static final int START_ATTEMPTS = 3;

  private final Process process;
  private final URI endpoint;
  private final Path dataDir;
  private final Path log;
  private final S3Client admin;
  private final AtomicInteger buckets = new AtomicInteger();

  private S3ProxyServer(Process process, URI endpoint, Path dataDir, Path log, S3Client admin) {
    this.process = process;
    this.endpoint = endpoint;
    this.dataDir = dataDir;
    this.log = log;
    this.admin = admin;
  }

  /** Starts s3proxy from {@code jar}, writing its configuration and log under {@code workDir}. */
  static S3ProxyServer start(Path jar, Path workDir) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path dataDir = Files.createTempDirectory("tusk-s3proxy-");
    boolean started = false;
    try {
      IOException failure = null;
      for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
        try {
          S3ProxyServer server = startOnce(jar, workDir, dataDir);
          started = true;
          return server;
        } catch (IOException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      throw new IOException(
          "s3proxy did not start in "
              + START_ATTEMPTS
              + " attempts (logs in "
              + workDir
              + "): "
              + failure.getMessage(),
          failure);
    } finally {
      if (!started) {
        ServerProcesses.deleteRecursively(dataDir);
      }
    }
  }

  private static S3ProxyServer startOnce(Path jar, Path workDir, Path dataDir)
      throws IOException, InterruptedException {
    int port = freePort();
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    Path properties = workDir.resolve("s3proxy-" + port + ".properties");
    Files.write(
        properties,
        List.of(
            "s3proxy.endpoint=" + endpoint,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + IDENTITY,
            "s3proxy.credential=" + CREDENTIAL,
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + dataDir),
        StandardCharsets.UTF_8);
    Path log = workDir.resolve("s3proxy-" + port + ".log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process process =
        new ProcessBuilder(
                java.toString(),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1", // starts faster; the tests move little data
                "-jar",
                jar.toString(),
                "--properties",
                properties.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    S3Client admin = newAdminClient(endpoint);
    try {
      awaitReady(process, admin, log);
    } catch (IOException | InterruptedException | RuntimeException e) {
      admin.close();
      ServerProcesses.stop(process, "s3proxy");
      throw e;
    }
    LOG.info("s3proxy {} listening on {}, logging to {}", process.pid(), endpoint, log);
    return new S3ProxyServer(process, endpoint, dataDir, log, admin);
  }

  private static S3Client newAdminClient(URI endpoint) {
    return S3Client.builder()
        .httpClientBuilder(ApacheHttpClient.builder())
        .endpointOverride(endpoint)
        .region(Region.of(REGION))
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(IDENTITY, CREDENTIAL)))
        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
        .build();
  }

  /** Waits until an authenticated ListBuckets succeeds, which also proves the credentials. */
  private static void awaitReady(Process process, S3Client admin, Path log)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(START_TIMEOUT);
    SdkException last = null;
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException(
            "s3proxy exited with status " + process.exitValue() + ": " + tail(log));
      }
      try {
        admin.listBuckets();
        return;
      } catch (SdkException e) {
        last = e;
      }
      Thread.sleep(50);
    }
    throw new IOException(
        "s3proxy did not answer within " + START_TIMEOUT + ": " + tail(log), last);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** The last lines of the server's log, for failure messages. */
  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  /** The server's base URL, e.g. {@code http://127.0.0.1:40123}. */
  public URI endpoint() {
    return endpoint;
  }

  /** Creates a new, empty bucket and returns its name. */
  public String createBucket() {
    String bucket = "tusk-it-" + buckets.incrementAndGet();
    admin.createBucket(b -> b.bucket(bucket));
    return bucket;
  }

  /** A store URL for {@code bucket} and {@code prefix} (may be empty) on this server. */
  public String url(String bucket, String prefix) {
    return url(bucket, prefix, CREDENTIAL);
  }

  /** Like {@link #url(String, String)} but signing with {@code secretKey}. */
  String url(String bucket, String prefix, String secretKey) {
    return "s3://"
        + bucket
        + "/"
        + prefix
        + "?endpoint="
        + endpoint
        + "&region="
        + REGION
        + "&path_style=true&access_key="
        + IDENTITY
        + "&secret_key="
        + secretKey;
  }

  @Override
  public void close() throws IOException {
    try {
      admin.close();
    } finally {
      ServerProcesses.stop(process, "s3proxy");
      ServerProcesses.deleteRecursively(dataDir);
      LOG.info("s3proxy {} stopped; its log is {}", process.pid(), log);
    }
  }

  /**
   * Gives test classes the run's one {@link S3ProxyServer} as a constructor or method parameter,
   * starting it on first use and stopping it when the run ends.
   *
   * <p>Without the jar, or when the server cannot start, each test that needs it is skipped with
   * the reason, except under CI ({@code CI=true}), where it fails: a green CI run must mean s3proxy
   * really ran.
   */
  public static final class Extension implements TestInstancePreConstructCallback, ParameterResolver {

    /** The outcome of starting the server, kept in the root store; closed when the run ends. */
    private record Started(S3ProxyServer server, String problem) implements AutoCloseable {
      @Override
      public void close() throws IOException {
        if (server != null) {
          server.close();
        }
      }
    }

    /**
     * Aborts (or, under CI, fails) each test of a class that needs the server when there is none.
     */
    @Override
    public void preConstructTestInstance(
        TestInstanceFactoryContext factoryContext, ExtensionContext context) {
      String problem = started(context).problem();
      if (problem == null) {
        return;
      }
      if (ServerProcesses.underCi()) {
        throw new IllegalStateException("s3proxy is required under CI: " + problem);
      }
      // Per test rather than per class, so that Failsafe reports them as skipped, with the reason.
      Assumptions.abort("Skipping the S3 integration tests: " + problem);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == S3ProxyServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return started(context).server();
    }

    private static Started started(ExtensionContext context) {
      return context
          .getRoot()
          .getStore(ExtensionContext.Namespace.create(S3ProxyServer.class))
          .getOrComputeIfAbsent(Started.class, key -> start(), Started.class);
    }

    private static Started start() {
      String jar = System.getProperty(JAR_PROPERTY);
      if (jar == null || !Files.isRegularFile(Path.of(jar))) {
        return new Started(
            null,
            "no s3proxy jar (system property "
                + JAR_PROPERTY
                + " is "
                + jar
                + "; Failsafe sets it after maven-dependency-plugin copies the jar)");
      }
      String dir = System.getProperty(DIR_PROPERTY);
      Path workDir =
          dir != null
              ? Path.of(dir)
              : Path.of(System.getProperty("java.io.tmpdir"), "tusk-s3proxy");
      try {
        return new Started(S3ProxyServer.start(Path.of(jar), workDir), null);
      } catch (IOException e) {
        LOG.error("Cannot start s3proxy from {}", jar, e);
        return new Started(null, "s3proxy failed to start: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Started(null, "interrupted while starting s3proxy");
      }
    }
  }
}
