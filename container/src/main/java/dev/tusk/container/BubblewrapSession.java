package dev.tusk.container;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One bubblewrap sandbox that runs many commands, one after another (the sandbox of a {@link
 * BubblewrapRuntime} costs tens of milliseconds to set up; a command in a running one, one fork).
 *
 * <p>Inside, the host's {@code sh} reads a launcher script, then one request per command from its
 * stdin: a subshell that exports exactly the command's environment and {@code exec}s it with its
 * stdin lines as a here-document. When the command has ended, the launcher kills every other process
 * of the sandbox's PID namespace ({@code kill -KILL -1}: all but itself and the namespace's init,
 * however they detached), notes whether any SysV or POSIX IPC object is left, and prints an end
 * marker with a random per-command token on stderr and on stdout (with the exit code): everything
 * the command printed comes before it.
 *
 * <p>The launcher runs beside the commands, as the same user, so a command that sets out to (ptrace,
 * {@code /proc/PID/mem}) could forge its own end or exit code: the session trusts the launcher for
 * nothing more than that. Before the next command the session itself checks from the host that the sandbox holds no process but its init and the launcher (every
 * process of a PID namespace descends from its init, and {@code /proc/PID/task/TID/children} lists
 * each one's children), and it empties the host directories behind {@code /tmp} and {@code
 * /dev/shm} ({@code /} and {@code /dev} are read-only). A command that leaves anything it cannot
 * clear (processes it could not see die, IPC objects, files it cannot move) closes the session: the
 * next command gets a new sandbox. So does a command that kills the launcher.
 */
final class BubblewrapSession implements ContainerSession {
  /** The host directories behind a session's {@code /tmp} and {@code /dev/shm}. */
  record Dirs(Path tmp, Path shm) {}

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  /**
   * How dash and env report an exec that failed: "/bin/sh: 3: exec: NAME: not found", "env:
   * 'NAME': No such file or directory".
   */
  private static final Pattern EXEC_FAILED =
      Pattern.compile("(?:/bin/sh: [0-9]+: exec: .*|/usr/bin/env: '.*'): ([^:]+)");
  private static final long READY_MILLIS = 30_000;
  private static final long QUIET_MILLIS = 5_000;
  private static final long STOP_MILLIS = 10_000;
  private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
  private static final String LAUNCHER = """
      tusk_end() {
        if [ "$$" = 2 ]; then kill -KILL -1 2>/dev/null; fi
        wait
        tusk_left=
        for tusk_f in /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg; do
          { read -r tusk_l && read -r tusk_l; } < "$tusk_f" && tusk_left=ipc
        done
        for tusk_f in /dev/mqueue/* /dev/mqueue/.[!.]*; do
          [ -e "$tusk_f" ] && tusk_left=ipc
        done
        printf '\\001tusk-end:%s\\001\\n' "$1" >&2
        printf '\\001tusk-end:%s\\001%s %s\\n' "$1" "$2" "$tusk_left"
      }
      """;

  private final Process process;
  private final OutputStream requests;
  private final SessionPump out;
  private final SessionPump err;
  private final Path scratch;
  private final Dirs dirs;
  private final Path trash;
  private final ExecutorService cleaner;
  private final SecureRandom random = new SecureRandom();
  private long init;
  private long launcher;
  private long trashed;
  private boolean open = true;

  private BubblewrapSession(Process process, Path scratch, Dirs dirs, Path trash) {
    this.process = process;
    this.requests = process.getOutputStream();
    this.out = SessionPump.start(process.getInputStream(), LogSink.Stream.STDOUT, "bwrap-session-" + process.pid() + "-out");
    this.err = SessionPump.start(process.getErrorStream(), LogSink.Stream.STDERR, "bwrap-session-" + process.pid() + "-err");
    this.scratch = scratch;
    this.dirs = dirs;
    this.trash = trash;
    this.cleaner = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "bwrap-session-" + process.pid() + "-cleaner");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Whether this kernel shows each process's children, which the session's checks need. */
  static boolean supported() {
    long self = ProcessHandle.current().pid();
    return Files.isReadable(Path.of("/proc", Long.toString(self), "task", Long.toString(self), "children"));
  }

  static BubblewrapSession open(BubblewrapRuntime runtime, SessionSpec spec)
      throws IOException, InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException("Interrupted before the sandbox started");
    }
    Path scratch = spec.scratch().toAbsolutePath();
    deleteTree(scratch); // what a killed predecessor left
    Dirs dirs = new Dirs(Files.createDirectories(scratch.resolve("tmp")), Files.createDirectories(scratch.resolve("shm")));
    Path trash = Files.createDirectories(scratch.resolve("trash"));
    List<String> args = runtime.sandbox(Map.of(), spec.binds(), spec.resources(), dirs);
    args.addAll(List.of("--", "/bin/sh", "-s"));
    // --die-with-parent ties bwrap to this thread (PR_SET_PDEATHSIG), and the sandbox dies with
    // bwrap: its PID namespace ends with its init. close() kills it from any thread.
    Process process = new ProcessBuilder(args).start();
    BubblewrapSession session = new BubblewrapSession(process, scratch, dirs, trash);
    try {
      session.start();
      return session;
    } catch (IOException | InterruptedException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /** Sends the launcher, waits until it answers, and finds the sandbox's init and launcher. */
  private void start() throws IOException, InterruptedException {
    String token = token();
    LogSink ignore = (stream, line) -> {}; // the launcher prints nothing of its own when all is well
    out.expect(token, ignore);
    err.expect(token, ignore);
    send(LAUNCHER + "tusk_end " + token + " 0\n");
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MILLIS);
    String ready = awaitWithin(out, deadline);
    if (ready == null || awaitWithin(err, deadline) == null) {
      List<String> tail = err.tail();
      throw new IOException("bubblewrap could not set up the sandbox"
          + (tail.isEmpty() ? "" : ": " + tail.get(tail.size() - 1)));
    }
    long bwrap = process.pid();
    List<Long> inits = children(bwrap);
    if (inits.size() != 1) {
      throw new IOException("Cannot find the sandbox's init among bwrap's children " + inits);
    }
    init = inits.get(0);
    List<Long> launchers = children(init);
    if (launchers.size() != 1) {
      throw new IOException("Cannot find the sandbox's launcher among its init's children " + launchers);
    }
    launcher = launchers.get(0);
    // The launcher's kill of every process is only ever safe inside a PID namespace of its own.
    String nsPid = status(launcher, "NSpid:");
    if (!nsPid.matches("[0-9]+\\s+2")) {
      throw new IOException("The sandbox's launcher is not process 2 of a PID namespace of its own: " + nsPid);
    }
  }

  @Override
  public ExitStatus run(ContainerCommand command, LogSink logs) throws IOException, InterruptedException {
    if (!open) {
      throw new IOException("This sandbox session is closed");
    }
    if (Thread.interrupted()) {
      throw new InterruptedException("Interrupted before the command started");
    }
    String token = token();
    out.expect(token, logs);
    err.expect(token, logs);
    String outEnd;
    long start = System.nanoTime();
    try {
      send(request(command, token));
      outEnd = out.await();
      if (outEnd != null && err.await() == null) {
        outEnd = null;
      }
    } catch (InterruptedException e) {
      close();
      throw e;
    } catch (IOException e) {
      outEnd = null; // the launcher is gone: its pipe broke
    }
    if (outEnd == null) {
      return launcherGone(command);
    }
    String[] parts = outEnd.split(" ", -1);
    int code;
    try {
      code = Integer.parseInt(parts[0]);
    } catch (NumberFormatException e) {
      close();
      throw new IOException("The sandbox's launcher reported a bad end: " + outEnd);
    }
    StepTimes.since("sandbox.command", start);
    long settling = System.nanoTime();
    awaitQuiet(command);
    boolean left = parts.length > 1 && !parts[1].isEmpty();
    if (left | !clear(dirs.tmp()) | !clear(dirs.shm())) {
      // What the command left cannot be cleared here: the next command gets a new sandbox.
      close();
    }
    StepTimes.since("sandbox.settle", settling);
    RuntimeException failure = out.sinkFailure() != null ? out.sinkFailure() : err.sinkFailure();
    if (failure != null) {
      throw failure;
    }
    return status(command, code, err.tail());
  }

  /** The launcher died while the command ran: the command killed it. The session is over. */
  private ExitStatus launcherGone(ContainerCommand command) throws InterruptedException {
    close();
    int code = process.isAlive() ? -1 : process.exitValue();
    return new ExitStatus(code == 0 ? 1 : code, "stopped its sandbox (bwrap exited with code " + code + ")");
  }

  /** Waits until nothing but the init and the launcher runs in the sandbox; else closes it. */
  private void awaitQuiet(ContainerCommand command) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(QUIET_MILLIS);
    int polls = 0;
    while (true) {
      List<Long> top = live(children(init));
      List<Long> below = live(children(launcher));
      if (top.equals(List.of(launcher)) && below.isEmpty()) {
        return;
      }
      if (!top.contains(launcher) || System.nanoTime() > deadline) {
        close();
        throw new IOException("Processes of " + command.command().get(0) + " were still running after it ended"
            + " (pids " + top + " " + below + "); its sandbox was stopped");
      }
      // Killed processes take a moment to go; their parents reap them.
      if (++polls < 100) {
        Thread.onSpinWait();
      } else {
        Thread.sleep(1);
      }
    }
  }

  private static ExitStatus status(ContainerCommand command, int code, List<String> stderrTail) {
    String last = stderrTail.isEmpty() ? "" : stderrTail.get(stderrTail.size() - 1);
    Matcher failed = EXEC_FAILED.matcher(last);
    String program = command.command().get(0);
    if (code == 127 && failed.matches()
        && (failed.group(1).equals("not found") || failed.group(1).equals("No such file or directory"))) {
      return new ExitStatus(127, "command not found: " + program);
    }
    if (code == 126 && failed.matches()) {
      return new ExitStatus(126, "cannot execute " + program + ": " + failed.group(1));
    }
    return ExitStatus.of(code);
  }

  /**
   * The shell code of one command: a subshell with exactly the command's environment (the
   * defaults, then its own, and PWD as bubblewrap sets it) that execs it with its stdin.
   */
  static String request(ContainerCommand command, String token) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", BubblewrapRuntime.DEFAULT_PATH);
    env.put("HOME", "/tmp");
    env.putAll(command.env());
    boolean plain = env.keySet().stream().allMatch(name -> IDENTIFIER.matcher(name).matches());
    StringBuilder code = new StringBuilder("(\nunset OLDPWD\nexport PWD\n");
    if (plain) {
      env.forEach((name, value) -> code.append("export ").append(name).append('=').append(quote(value)).append('\n'));
      code.append("exec");
    } else {
      // Names a shell cannot export (nor pass on): env sets them and execs the command.
      if (command.command().get(0).contains("=")) {
        throw new IllegalArgumentException("Cannot run " + command.command().get(0)
            + ": env would take a program name with '=' for a variable (environment names "
            + env.keySet().stream().filter(n -> !IDENTIFIER.matcher(n).matches()).toList()
            + " need env)");
      }
      code.append("exec /usr/bin/env -i \"PWD=$PWD\"");
      env.forEach((name, value) -> code.append(' ').append(quote(name + "=" + value)));
    }
    for (String arg : command.command()) {
      code.append(' ').append(quote(arg));
    }
    if (command.stdin().isEmpty()) {
      code.append(" </dev/null\n");
    } else {
      String end = "tusk_stdin_" + token;
      code.append(" <<'").append(end).append("'\n");
      for (String line : command.stdin()) {
        code.append(line).append('\n');
      }
      code.append(end).append('\n');
    }
    code.append(")\ntusk_end ").append(token).append(" $?\n");
    return code.toString();
  }

  private static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  private void send(String text) throws IOException {
    requests.write(text.getBytes(StandardCharsets.UTF_8));
    requests.flush();
  }

  private String token() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private static String awaitWithin(SessionPump pump, long deadline) throws InterruptedException {
    return pump.await(deadline - System.nanoTime());
  }

  /**
   * Moves everything in {@code dir} to the trash (deleted in the background) and restores its
   * mode; false if something stays.
   */
  private boolean clear(Path dir) {
    try {
      Files.setPosixFilePermissions(dir, DIR_MODE);
      List<Path> entries = new ArrayList<>();
      try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
        listing.forEach(entries::add);
      }
      if (entries.isEmpty()) {
        return true;
      }
      Path bin = Files.createDirectory(trash.resolve(Long.toString(trashed++)));
      for (Path entry : entries) {
        if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.setPosixFilePermissions(entry, DIR_MODE); // moving a directory writes its ".."
        }
        Files.move(entry, bin.resolve(entry.getFileName()));
      }
      cleaner.execute(() -> deleteQuietly(bin));
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    if (!open && !process.isAlive()) {
      return;
    }
    open = false;
    process.destroyForcibly();
    for (long pid : new long[] {init, launcher}) {
      if (pid > 0) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    try {
      requests.close();
    } catch (IOException e) {
      // the pipe is gone with the sandbox
    }
    boolean interrupted = Thread.interrupted();
    try {
      process.waitFor(STOP_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    cleaner.shutdown();
    deleteQuietly(scratch);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The live processes among {@code pids}: not exited, not zombies. */
  private static List<Long> live(List<Long> pids) {
    List<Long> alive = new ArrayList<>(pids.size());
    for (long pid : pids) {
      try {
        // "pid (comm) S ...": the state follows the last ')', as comm may hold anything.
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        char state = stat.charAt(stat.lastIndexOf(')') + 2);
        if (state != 'Z' && state != 'X') {
          alive.add(pid);
        }
      } catch (NoSuchFileException e) {
        // gone
      } catch (IOException | RuntimeException e) {
        alive.add(pid);
      }
    }
    return alive;
  }

  private static List<Long> children(long pid) throws IOException {
    String text;
    try {
      text = Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(pid), "children"));
    } catch (NoSuchFileException e) {
      return List.of();
    }
    List<Long> pids = new ArrayList<>();
    for (String part : text.trim().split("\\s+")) {
      if (!part.isEmpty()) {
        pids.add(Long.parseLong(part));
      }
    }
    return pids;
  }

  private static String status(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith(field)) {
        return line.substring(field.length()).trim();
      }
    }
    return "";
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      // Left for the next session's start, which deletes the scratch directory first.
    }
  }

  /** Deletes a tree without following symlinks, making directories writable on the way. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        Files.setPosixFilePermissions(d, DIR_MODE);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.deleteIfExists(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
