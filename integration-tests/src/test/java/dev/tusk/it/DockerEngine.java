package dev.tusk.it;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Docker engine for integration tests, driven through the {@code docker} command line.
 *
 * <p>{@link #start} uses the engine that {@code DOCKER_HOST} names, or else the one on the default
 * socket if it answers; otherwise it starts a {@code dockerd} of its own as a child process (this
 * needs root), with its data root, exec root, socket and an empty config file in a fresh directory
 * under {@code java.io.tmpdir}, so it touches neither a system engine nor the host's network. That
 * daemon runs with:
 *
 * <ul>
 *   <li>{@code --iptables=false --ip-masq=false --bridge=none}: no firewall rules and no {@code
 *       docker0} bridge; containers run with {@code --network none}, so none is needed;
 *   <li>{@code --exec-opt native.cgroupdriver=cgroupfs}: it is not a systemd unit, and systemd may
 *       not be running at all;
 *   <li>{@code --config-file} of an empty file: a host's {@code /etc/docker/daemon.json} must not
 *       change it (or clash with these flags);
 *   <li>the storage driver that {@code dockerd} picks ({@code overlay2}, falling back by itself to
 *       {@code vfs} where overlayfs does not work), unless the system property {@value
 *       #STORAGE_DRIVER_PROPERTY} names one.
 * </ul>
 *
 * <p>It runs in the test JVM's mount namespace, so it sees mounts made after it started, FUSE
 * mounts included: a path given to {@code -v} is resolved when the container starts. Bind mounts
 * get Docker's default {@code rprivate} propagation, so a mount made under the source while a
 * container runs does not appear inside it.
 *
 * <p>The engine gets one tiny image, {@value #IMAGE}: a static busybox and its applet links ({@code
 * busybox-static} from apt), made with {@code docker import} of a rootfs tar, because no registry
 * is reachable. It is built only when the engine lacks it.
 *
 * <p>Tests get one engine for the whole JVM through {@link Extension}.
 */
public final class DockerEngine implements AutoCloseable {
  /** The test image: busybox (static) with its applets under {@code /bin}, {@code /usr/bin}... */
  public static final String IMAGE = "tusk-test/busybox:1";

  /** How long {@link #run(List)} lets a container run. */
  public static final Duration DEFAULT_RUN_TIMEOUT = Duration.ofSeconds(60);

  static final String DIR_PROPERTY = "tusk.docker.dir";
  static final String STORAGE_DRIVER_PROPERTY = "tusk.docker.storage-driver";
  static final String BUSYBOX_PROPERTY = "tusk.busybox";

  private static final Logger LOG = LoggerFactory.getLogger(DockerEngine.class);
  private static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  // A sun_path holds 108 bytes; containerd puts sockets a few levels below the exec root.
  private static final int MAX_SCRATCH_PATH = 40;
  private static final int LOG_TAIL_LINES = 30;

  private final Path docker;
  private final String host;
  private final Path workDir;
  private final Process daemon; // null for an engine this fixture did not start
  private final Path scratch; // the own daemon's roots and socket; null for another engine
  private final Path log; // the own daemon's log; null for another engine
  private final AtomicInteger containers = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();

  private DockerEngine(
      Path docker, String host, Path workDir, Process daemon, Path scratch, Path log) {
    this.docker = docker;
    this.host = host;
    this.workDir = workDir;
    this.daemon = daemon;
    this.scratch = scratch;
    this.log = log;
  }

  /**
   * Finds a working engine or starts one, and makes sure it has {@link #IMAGE}. {@code workDir}
   * keeps the own daemon's log and the scratch files of commands.
   */
  public static DockerEngine start(Path workDir) throws IOException, InterruptedException {
    Files.createDirectories(workDir);
    Path docker = findExecutable("docker", List.of());
    if (docker == null) {
      throw new IOException("no docker command on the PATH; run bin/setup (apt: docker.io)");
    }
    long started = System.nanoTime();
    DockerEngine engine = existing(docker, workDir);
    if (engine == null) {
      engine = startDaemon(docker, workDir);
    }
    try {
      long ready = System.nanoTime();
      boolean built = engine.ensureImage();
      LOG.info(
          "Docker engine at {} ready in {} ms; image {} {} in {} ms",
          engine.host,
          (ready - started) / 1_000_000,
          IMAGE,
          built ? "imported" : "already there",
          (System.nanoTime() - ready) / 1_000_000);
      return engine;
    } catch (IOException | InterruptedException | RuntimeException e) {
      try {
        engine.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The engine {@code DOCKER_HOST} names, or the default socket's if it answers, or null. */
  private static DockerEngine existing(Path docker, Path workDir)
      throws IOException, InterruptedException {
    String configured = System.getenv("DOCKER_HOST");
    if (configured != null && !configured.isEmpty()) {
      DockerEngine engine = new DockerEngine(docker, configured, workDir, null, null, null);
      Result info = engine.docker(COMMAND_TIMEOUT, List.of("info"));
      if (info.exitCode() != 0) {
        throw new IOException(
            "DOCKER_HOST=" + configured + " does not answer `docker info`: " + info.stderr());
      }
      return engine;
    }
    if (!Files.exists(DEFAULT_SOCKET)) {
      return null;
    }
    DockerEngine engine =
        new DockerEngine(docker, "unix://" + DEFAULT_SOCKET, workDir, null, null, null);
    Result info = engine.docker(COMMAND_TIMEOUT, List.of("info"));
    if (info.exitCode() != 0) {
      LOG.info("No engine answers on {}, starting one: {}", DEFAULT_SOCKET, info.stderr().strip());
      return null;
    }
    return engine;
  }

  private static DockerEngine startDaemon(Path docker, Path workDir)
      throws IOException, InterruptedException {
    Path dockerd = findExecutable("dockerd", List.of(Path.of("/usr/sbin"), Path.of("/usr/bin")));
    if (dockerd == null) {
      throw new IOException(
          "no engine answers on "
              + DEFAULT_SOCKET
              + " and there is no dockerd to start; run"
              + " bin/setup (apt: docker.io)");
    }
    Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    if (!Integer.valueOf(0).equals(uid)) {
      throw new IOException(
          "no engine answers on "
              + DEFAULT_SOCKET
              + ", and starting "
              + dockerd
              + " needs root (uid is "
              + uid
              + ")");
    }
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    if (tmp.toAbsolutePath().toString().length() > MAX_SCRATCH_PATH) {
      tmp = Path.of("/tmp");
    }
    Path scratch = Files.createTempDirectory(tmp, "tusk-docker-");
    Path socket = scratch.resolve("docker.sock");
    Path config = Files.writeString(scratch.resolve("daemon.json"), "{}\n");
    Path log = workDir.resolve("dockerd-" + scratch.getFileName() + ".log");
    List<String> command =
        new ArrayList<>(
            List.of(
                dockerd.toString(),
                "--host=unix://" + socket,
                "--data-root=" + scratch.resolve("data"),
                "--exec-root=" + scratch.resolve("exec"),
                "--pidfile=" + scratch.resolve("dockerd.pid"),
                "--config-file=" + config,
                "--iptables=false",
                "--ip-masq=false",
                "--bridge=none",
                "--exec-opt=native.cgroupdriver=cgroupfs",
                // Containers run with --rm and are short-lived; stop quickly.
                "--shutdown-timeout=2"));
    String driver = System.getProperty(STORAGE_DRIVER_PROPERTY, "");
    if (!driver.isEmpty()) {
      command.add("--storage-driver=" + driver);
    }
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    DockerEngine engine =
        new DockerEngine(docker, "unix://" + socket, workDir, process, scratch, log);
    try {
      engine.awaitDaemon(socket);
    } catch (IOException | InterruptedException | RuntimeException e) {
      try {
        engine.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    LOG.info("dockerd {} listening on {}, logging to {}", process.pid(), socket, log);
    return engine;
  }

  private void awaitDaemon(Path socket) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Result last = null;
    while (System.nanoTime() < deadline) {
      if (!daemon.isAlive()) {
        throw new IOException(
            "dockerd exited with status " + daemon.exitValue() + "; its log:\n" + logTail());
      }
      // Asking before the socket exists only costs a docker process.
      if (Files.exists(socket)) {
        last = docker(COMMAND_TIMEOUT, List.of("version", "--format", "{{.Server.Version}}"));
        if (last.exitCode() == 0) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new IOException(
        "dockerd did not answer within "
            + START_TIMEOUT
            + (last == null ? "" : " (last answer: " + last.stderr().strip() + ")")
            + "; its log:\n"
            + logTail());
  }

  /** Imports {@link #IMAGE} unless the engine has it; true when it imported. */
  private boolean ensureImage() throws IOException, InterruptedException {
    if (docker(COMMAND_TIMEOUT, List.of("image", "inspect", "--format", "{{.Id}}", IMAGE))
            .exitCode()
        == 0) {
      return false;
    }
    Path busybox = findBusybox();
    Path build = Files.createTempDirectory(workDir, "image-");
    try {
      Path rootfs = build.resolve("rootfs");
      writeRootfs(busybox, rootfs);
      Path tar = build.resolve("rootfs.tar");
      exec(
          List.of(
              "tar",
              "--numeric-owner",
              "--owner=0",
              "--group=0",
              "-C",
              rootfs.toString(),
              "-cf",
              tar.toString(),
              "."),
          Map.of(),
          COMMAND_TIMEOUT,
          "tar of the image's rootfs");
      Result imported =
          docker(
              COMMAND_TIMEOUT,
              List.of(
                  "import",
                  "--change",
                  "ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                  tar.toString(),
                  IMAGE));
      if (imported.exitCode() != 0) {
        throw new IOException("docker import of " + IMAGE + " failed: " + imported + diagnostics());
      }
      return true;
    } finally {
      deleteRecursively(build);
    }
  }

  /** A root file system of busybox, its applets as symlinks, {@code /tmp} and a passwd. */
  private static void writeRootfs(Path busybox, Path rootfs)
      throws IOException, InterruptedException {
    Path bin = Files.createDirectories(rootfs.resolve("bin"));
    Files.copy(busybox, bin.resolve("busybox"));
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Result applets =
        exec(List.of(busybox.toString(), "--list-full"), Map.of(), COMMAND_TIMEOUT, "busybox");
    for (String applet : applets.stdoutUtf8().split("\n")) {
      // Entries look like "usr/bin/env"; "linuxrc" is for an initrd's root.
      if (!applet.contains("/") || applet.equals("bin/busybox")) {
        continue;
      }
      Path link = rootfs.resolve(applet);
      Files.createDirectories(link.getParent());
      Files.createSymbolicLink(link, Path.of("/bin/busybox"));
    }
    Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path etc = Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(
        etc.resolve("passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
  }

  /** The busybox of {@value #BUSYBOX_PROPERTY} or apt's; it must be static to run alone. */
  private static Path findBusybox() throws IOException {
    String property = System.getProperty(BUSYBOX_PROPERTY, "");
    List<Path> candidates =
        property.isEmpty()
            ? List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"))
            : List.of(Path.of(property));
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) {
        if (!isStatic(candidate)) {
          throw new IOException(
              candidate
                  + " is dynamically linked and cannot run alone in an image; run bin/setup"
                  + " (apt: busybox-static)");
        }
        return candidate;
      }
    }
    throw new IOException("no busybox at " + candidates + "; run bin/setup (apt: busybox-static)");
  }

  /** True when an ELF64 executable asks for no program interpreter (no PT_INTERP header). */
  private static boolean isStatic(Path executable) throws IOException {
    try (FileChannel channel = FileChannel.open(executable, StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(header, 0);
      if (header.getInt(0) != 0x464c457f || header.get(4) != 2) {
        throw new IOException(executable + " is not a 64-bit ELF executable");
      }
      long programHeaders = header.getLong(32);
      int entrySize = Short.toUnsignedInt(header.getShort(54));
      int entries = Short.toUnsignedInt(header.getShort(56));
      ByteBuffer entry = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < entries; i++) {
        entry.clear();
        channel.read(entry, programHeaders + (long) i * entrySize);
        if (entry.getInt(0) == 3) { // PT_INTERP
          return false;
        }
      }
      return true;
    }
  }

  /** The engine's address, as {@code DOCKER_HOST} takes it: {@code unix:///...}. */
  public String host() {
    return host;
  }

  /** True when this fixture started the daemon (and stops it on {@link #close()}). */
  public boolean ownDaemon() {
    return daemon != null;
  }

  /**
   * {@code docker run --rm --pull never --network none --name <unique> <runArgs>} with {@link
   * #DEFAULT_RUN_TIMEOUT}; {@code runArgs} are options, then the image and the command.
   */
  public Result run(List<String> runArgs) throws IOException, InterruptedException {
    return run(DEFAULT_RUN_TIMEOUT, runArgs);
  }

  /**
   * {@code docker run --rm --pull never --network none --name <unique> <runArgs>}, waiting at most
   * {@code timeout}; a container still running then is removed and an {@link IOException} thrown.
   * Images must be local: no registry is reachable, and a pull would only wait for DNS to fail. A
   * non-zero exit code comes back in the result: 125 means Docker could not run the container (the
   * result then carries the tail of the daemon's log), 126 and 127 that the command could not run.
   */
  public Result run(Duration timeout, List<String> runArgs)
      throws IOException, InterruptedException {
    String name = "tusk-it-" + ProcessHandle.current().pid() + "-" + containers.incrementAndGet();
    List<String> args =
        new ArrayList<>(
            List.of("run", "--rm", "--pull", "never", "--network", "none", "--name", name));
    args.addAll(runArgs);
    try {
      Result result = docker(timeout, args);
      return result.exitCode() == 125 ? result.withDiagnostics(diagnostics()) : result;
    } catch (CommandTimeoutException e) {
      Result removed = docker(COMMAND_TIMEOUT, List.of("rm", "--force", name));
      throw new IOException(
          "container "
              + name
              + " did not finish within "
              + timeout
              + " and was removed"
              + (removed.exitCode() == 0 ? "" : " (failed: " + removed.stderr().strip() + ")")
              + diagnostics(),
          e);
    }
  }

  /** Any {@code docker} command against this engine, e.g. {@code List.of("image", "ls")}. */
  public Result docker(Duration timeout, List<String> args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(docker.toString());
    command.addAll(args);
    return exec(command, Map.of("DOCKER_HOST", host), timeout, "docker " + args.get(0));
  }

  /**
   * {@code docker run} options that bind {@code source} read-only at {@code target}, with the path
   * quoted so that it may hold {@code :}, {@code ,} or {@code @} (as in {@code images@master}).
   */
  public static List<String> readOnlyBind(Path source, String target) {
    return List.of(
        "--mount",
        "type=bind,"
            + csvField("source=" + source.toAbsolutePath())
            + ","
            + csvField("target=" + target)
            + ",readonly");
  }

  private static String csvField(String field) {
    return "\"" + field.replace("\"", "\"\"") + "\"";
  }

  /** The last lines of the own daemon's log, or a note that this fixture did not start it. */
  public String logTail() throws IOException {
    if (log == null) {
      return "(the engine at " + host + " was not started by this fixture; see its own log)";
    }
    if (!Files.exists(log)) {
      return "(no log at " + log + ")";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return String.join(
        "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
  }

  private String diagnostics() throws IOException {
    return "\ndockerd log (" + (log == null ? host : log) + "), last lines:\n" + logTail();
  }

  /** Stops the daemon if this fixture started it and deletes its roots; idempotent. */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true) || daemon == null) {
      return;
    }
    // dockerd stops its containerd and shims itself on SIGTERM; force them only if it does not.
    List<ProcessHandle> children = daemon.descendants().toList();
    daemon.destroy();
    try {
      if (!daemon.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("dockerd {} did not stop within {}; killing it", daemon.pid(), STOP_TIMEOUT);
        daemon.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      daemon.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    if (daemon.isAlive()) {
      throw new IOException("dockerd " + daemon.pid() + " is still running; left " + scratch);
    }
    unmountUnder(scratch);
    deleteRecursively(scratch);
    LOG.info("dockerd {} stopped; its log is {}", daemon.pid(), log);
  }

  /**
   * Lazily unmounts what a killed daemon may have left mounted under {@code dir} (overlays, netns).
   */
  private static void unmountUnder(Path dir) throws IOException {
    List<String> mountPoints = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = unescapeMountinfo(line.split(" ")[4]);
      if (Path.of(mountPoint).startsWith(dir)) {
        mountPoints.add(mountPoint);
      }
    }
    mountPoints.sort(Comparator.reverseOrder());
    for (String mountPoint : mountPoints) {
      try {
        exec(List.of("umount", "-l", mountPoint), Map.of(), COMMAND_TIMEOUT, "umount");
      } catch (IOException e) {
        LOG.warn("Cannot unmount {}", mountPoint, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** mountinfo writes space, tab, newline and backslash as octal escapes. */
  private static String unescapeMountinfo(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * Runs a command with stdout and stderr going to files (so that neither pipe can fill up and
   * block it) and stdin from {@code /dev/null}; on timeout kills it and throws.
   */
  private static Result exec(
      List<String> command, Map<String, String> env, Duration timeout, String what)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("tusk-docker-", ".out");
    Path err = Files.createTempFile("tusk-docker-", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      // The address is given explicitly; a context or TLS settings must not redirect the client.
      builder
          .environment()
          .keySet()
          .removeAll(List.of("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"));
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new CommandTimeoutException(
            what + " did not finish within " + timeout + "; stderr: " + Files.readString(err));
      }
      Result result =
          new Result(process.exitValue(), Files.readAllBytes(out), Files.readString(err), "");
      if (!what.startsWith("docker") && result.exitCode() != 0) {
        throw new IOException(what + " failed: " + result);
      }
      return result;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static Path findExecutable(String name, List<Path> alsoIn) {
    List<Path> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isEmpty()) {
          dirs.add(Path.of(dir));
        }
      }
    }
    dirs.addAll(alsoIn);
    return dirs.stream()
        .map(dir -> dir.resolve(name))
        .filter(Files::isExecutable)
        .findFirst()
        .orElse(null);
  }

  private static final class CommandTimeoutException extends IOException {
    CommandTimeoutException(String message) {
      super(message);
    }
  }

  /** How a {@code docker} command ended: its exit code, its stdout's bytes and its stderr. */
  public static final class Result {
    private final int exitCode;
    private final byte[] stdout;
    private final String stderr;
    private final String diagnostics;

    Result(int exitCode, byte[] stdout, String stderr, String diagnostics) {
      this.exitCode = exitCode;
      this.stdout = stdout.clone();
      this.stderr = stderr;
      this.diagnostics = diagnostics;
    }

    public int exitCode() {
      return exitCode;
    }

    /** A copy of the exact bytes written to stdout. */
    public byte[] stdout() {
      return stdout.clone();
    }

    public String stdoutUtf8() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderr() {
      return stderr;
    }

    Result withDiagnostics(String diagnostics) {
      return new Result(exitCode, stdout, stderr, diagnostics);
    }

    @Override
    public String toString() {
      String out = stdoutUtf8();
      return "exit "
          + exitCode
          + ", stdout: "
          + (out.length() > 2000 ? out.substring(0, 2000) + "..." : out)
          + ", stderr: "
          + stderr
          + diagnostics;
    }
  }

  /**
   * Gives test classes the JVM's one {@link DockerEngine} as a constructor or method parameter,
   * starting it on first use and stopping it when the run ends. Failsafe names a directory for the
   * daemon's log in the system property {@value #DIR_PROPERTY}.
   *
   * <p>When no engine can be found or started, the test class is skipped with the reason, except
   * under CI ({@code CI=true}), where it fails: a green CI run must mean a real engine ran.
   */
  public static final class Extension implements BeforeAllCallback, ParameterResolver {

    /** The outcome of starting the engine, kept in the root store; closed when the run ends. */
    private record Started(DockerEngine engine, String problem) implements AutoCloseable {
      @Override
      public void close() throws IOException {
        if (engine != null) {
          engine.close();
        }
      }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
      String problem = started(context).problem();
      if (problem == null) {
        return;
      }
      if (underCi()) {
        throw new IllegalStateException("A Docker engine is required under CI: " + problem);
      }
      // Failsafe's report drops the reason for a skipped class, so say it here too.
      LOG.warn("Skipping {}: {}", context.getDisplayName(), problem);
      Assumptions.abort("Skipping the Docker integration tests: " + problem);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == DockerEngine.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return started(context).engine();
    }

    private static Started started(ExtensionContext context) {
      return context
          .getRoot()
          .getStore(ExtensionContext.Namespace.create(DockerEngine.class))
          .getOrComputeIfAbsent(Started.class, key -> start(), Started.class);
    }

    private static Started start() {
      String dir = System.getProperty(DIR_PROPERTY);
      Path workDir =
          dir != null ? Path.of(dir) : Path.of(System.getProperty("java.io.tmpdir"), "tusk-docker");
      try {
        return new Started(DockerEngine.start(workDir), null);
      } catch (IOException e) {
        LOG.error("Cannot start a Docker engine", e);
        return new Started(null, e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Started(null, "interrupted while starting a Docker engine");
      }
    }

    private static boolean underCi() {
      String ci = System.getenv("CI");
      return ci != null && !ci.isEmpty() && !ci.equalsIgnoreCase("false");
    }
  }
}
