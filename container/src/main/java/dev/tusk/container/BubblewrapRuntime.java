package dev.tusk.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs commands with <a href="https://github.com/containers/bubblewrap">bubblewrap</a> ({@code
 * bwrap}, apt package {@code bubblewrap}) on the host's own programs: the image is ignored.
 *
 * <p>The sandbox has new user, PID, network, IPC, UTS and cgroup namespaces ({@code --unshare-all}:
 * the network is a loopback interface of its own, nothing else), no capabilities, a new session (no
 * terminal to inject into), and dies with the JVM. It sees only:
 *
 * <ul>
 *   <li>the host's {@code /usr} and {@code /etc}, read-only, except that the password and group
 *       shadow files cannot be opened and {@code /etc/ssl/private} is empty;
 *   <li>{@code /bin}, {@code /sbin}, {@code /lib*} as the host has them: the same symlinks into
 *       {@code /usr} on a merged-/usr system, else read-only binds;
 *   <li>a fresh {@code /proc}, a minimal {@code /dev} and an empty {@code /tmp} (also {@code
 *       HOME});
 *   <li>the spec's binds, in order, and with a GPU asked for, every {@code /dev/nvidia*} device.
 * </ul>
 *
 * <p>The environment is {@code PATH=/usr/local/bin:/usr/bin:/bin}, {@code HOME=/tmp} and the
 * spec's, which may override them; nothing leaks from the JVM's. The working directory is {@code
 * /pfs} when a bind lies under it, else {@code /}.
 *
 * <p>bubblewrap enforces no CPU or memory limits: those resources are ignored. It cannot pick GPUs
 * either: asking for any exposes all of them, and asking with none present fails.
 *
 * <p>The command runs as the JVM's user (uid 0 inside when that is root): files it writes to a
 * read-write bind belong to that user, and without capabilities it cannot write where that user
 * could not.
 */
public final class BubblewrapRuntime implements ContainerRuntime {
  static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
  private static final Path DEFAULT_BWRAP = Path.of("/usr/bin/bwrap");
  private static final String PFS = "/pfs";
  private static final List<String> ROOT_DIRS =
      List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32");
  // Readable by their owner, root, which the sandbox may be even without capabilities. /dev/null
  // bound over them cannot be opened: binds are nodev.
  private static final List<String> SECRET_FILES =
      List.of("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-");
  private static final String SECRET_DIR = "/etc/ssl/private";

  private final Path bwrap;

  /** Uses the {@code bwrap} on the JVM's PATH, else {@code /usr/bin/bwrap}. */
  public BubblewrapRuntime() {
    this(ProcessRun.onPath("bwrap", DEFAULT_BWRAP));
  }

  /** Uses the {@code bwrap} executable at {@code bwrap}. */
  public BubblewrapRuntime(Path bwrap) {
    this.bwrap = bwrap;
  }

  @Override
  public String name() {
    return "bubblewrap";
  }

  @Override
  public ExitStatus run(ContainerSpec spec, LogSink logs) throws IOException, InterruptedException {
    checkInstalled();
    // --die-with-parent ties bwrap to the thread that starts it (PR_SET_PDEATHSIG), this one,
    // which waits for it. Killing bwrap kills the sandbox: its PID namespace dies with its init.
    ProcessRun.Outcome outcome =
        ProcessRun.run(
            new ProcessBuilder(command(spec)),
            "bwrap",
            spec.stdin(),
            logs,
            ProcessRun.Stopper.NONE);
    return status(spec, outcome);
  }

  /**
   * A sandbox that stays up for many commands: see {@link BubblewrapSession} for how it keeps them
   * apart. Empty where that cannot be guaranteed (a kernel without {@code /proc/PID/task/TID/children},
   * which the session needs to see every process left in the sandbox).
   */
  @Override
  public Optional<ContainerSession> openSession(SessionSpec spec)
      throws IOException, InterruptedException {
    checkInstalled();
    if (!BubblewrapSession.supported()) {
      return Optional.empty();
    }
    return Optional.of(BubblewrapSession.open(this, spec));
  }

  /** The bwrap command line: its options, then {@code --} and the spec's command. */
  List<String> command(ContainerSpec spec) throws IOException {
    Map<String, String> env = new TreeMap<>(Map.of("PATH", DEFAULT_PATH, "HOME", "/tmp"));
    env.putAll(spec.env());
    List<String> args = sandbox(env, spec.binds(), spec.resources(), null);
    args.add("--");
    args.addAll(spec.command());
    return args;
  }

  /**
   * The bwrap options of a sandbox: its environment, the host's system directories, a fresh
   * {@code /proc} and {@code /dev}, the binds, the working directory.
   *
   * @param session null for a sandbox of one command (fresh {@code /tmp}); else the host
   *     directories behind a session's {@code /tmp} and {@code /dev/shm}, which it empties between
   *     commands, with {@code /} and {@code /dev} read-only so that nothing else can keep files
   */
  List<String> sandbox(
      Map<String, String> env,
      List<ContainerSpec.Bind> binds,
      ContainerSpec.Resources resources,
      BubblewrapSession.Dirs session)
      throws IOException {
    List<String> args = new ArrayList<>();
    args.add(bwrap.toString());
    args.addAll(
        List.of(
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--clearenv"));
    env.forEach((key, value) -> args.addAll(List.of("--setenv", key, value)));

    args.addAll(List.of("--ro-bind", "/usr", "/usr"));
    for (String dir : ROOT_DIRS) {
      Path host = Path.of("/", dir);
      if (Files.isSymbolicLink(host)) {
        args.addAll(List.of("--symlink", Files.readSymbolicLink(host).toString(), host.toString()));
      } else if (Files.isDirectory(host)) {
        args.addAll(List.of("--ro-bind", host.toString(), host.toString()));
      }
    }
    args.addAll(List.of("--ro-bind", "/etc", "/etc"));
    for (String secret : SECRET_FILES) {
      if (Files.exists(Path.of(secret), LinkOption.NOFOLLOW_LINKS)) {
        args.addAll(List.of("--ro-bind", "/dev/null", secret));
      }
    }
    if (Files.isDirectory(Path.of(SECRET_DIR), LinkOption.NOFOLLOW_LINKS)) {
      args.addAll(List.of("--tmpfs", SECRET_DIR));
    }
    args.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
    if (session == null) {
      args.addAll(List.of("--tmpfs", "/tmp"));
    } else {
      args.addAll(List.of("--bind", session.tmp().toString(), "/tmp"));
      args.addAll(List.of("--bind", session.shm().toString(), "/dev/shm"));
      // Shows POSIX message queues, so that the session can tell when a command left one.
      args.addAll(List.of("--mqueue", "/dev/mqueue"));
    }
    if (resources.gpu() > 0) {
      for (Path device : nvidiaDevices()) {
        args.addAll(List.of("--dev-bind", device.toString(), device.toString()));
      }
    }

    String chdir = "/";
    for (ContainerSpec.Bind bind : binds) {
      Path source = bind.source().toAbsolutePath();
      // bwrap would fail too, but with exit code 1, which a command may also return.
      if (!Files.exists(source)) {
        throw new NoSuchFileException(source.toString(), null, "bind source for " + bind.target());
      }
      args.addAll(
          List.of(bind.readOnly() ? "--ro-bind" : "--bind", source.toString(), bind.target()));
      if (bind.target().equals(PFS) || bind.target().startsWith(PFS + "/")) {
        chdir = PFS;
      }
    }
    if (session != null) {
      // Not recursive: the binds below stay as they are.
      args.addAll(List.of("--remount-ro", "/dev", "--remount-ro", "/"));
    }
    args.addAll(List.of("--chdir", chdir));
    return args;
  }

  void checkInstalled() throws IOException {
    if (!Files.isExecutable(bwrap)) {
      throw new IOException(
          "bubblewrap is not installed: no executable " + bwrap + " (apt install bubblewrap)");
    }
  }

  private static List<Path> nvidiaDevices() throws IOException {
    try (Stream<Path> devices = Files.list(Path.of("/dev"))) {
      List<Path> found =
          devices.filter(d -> d.getFileName().toString().startsWith("nvidia")).sorted().toList();
      if (found.isEmpty()) {
        throw new IOException("A GPU was asked for, but there is no /dev/nvidia* device");
      }
      return found;
    }
  }

  /**
   * Maps bwrap's own failures: it exits with 1 and a last stderr line {@code bwrap: ...} when it
   * cannot set up the sandbox or exec the command (then {@code bwrap: execvp CMD: REASON}).
   */
  private static ExitStatus status(ContainerSpec spec, ProcessRun.Outcome outcome)
      throws IOException {
    List<String> tail = outcome.stderrTail();
    String last = tail.isEmpty() ? "" : tail.get(tail.size() - 1);
    if (outcome.exitCode() != 1 || !last.startsWith("bwrap: ")) {
      return ExitStatus.of(outcome.exitCode());
    }
    String program = spec.command().get(0);
    if (last.startsWith("bwrap: execvp ")) {
      // As a shell reports it: 127 for a command not found, 126 for one that cannot run.
      return last.endsWith("No such file or directory")
          ? new ExitStatus(127, "command not found: " + program)
          : new ExitStatus(
              126, "cannot execute " + program + ": " + last.substring(last.lastIndexOf(": ") + 2));
    }
    throw new IOException("bubblewrap could not set up the sandbox for " + program + ": " + last);
  }

  @Override
  public String toString() {
    return "BubblewrapRuntime[" + bwrap + "]";
  }
}
