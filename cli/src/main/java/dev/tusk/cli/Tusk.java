package dev.tusk.cli;

import dev.tusk.api.TuskException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.time.Clock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code tusk} command: pachctl's verbs ({@code tusk create repo}, {@code tusk put file ...}),
 * the daemon ({@code tusk daemon}, {@code tusk up}, {@code tusk down}) and plumbing.
 */
@Command(
    name = "tusk",
    scope = ScopeType.INHERIT, // -h/--help on every subcommand
    mixinStandardHelpOptions = true,
    version = "tusk 0.1.0",
    description = "Version control for data, with pipelines that record provenance.",
    subcommands = {
      Verbs.Create.class,
      Verbs.List.class,
      Verbs.Inspect.class,
      Verbs.Delete.class,
      Verbs.Put.class,
      Verbs.Get.class,
      Verbs.Glob.class,
      Verbs.Copy.class,
      Verbs.Diff.class,
      Verbs.Start.class,
      Verbs.Finish.class,
      Verbs.Wait.class,
      Verbs.Stop.class,
      Verbs.Update.class,
      Verbs.Rerun.class,
      PipelineCommands.Logs.class,
      DaemonCommands.Run.class,
      DaemonCommands.Up.class,
      DaemonCommands.Down.class,
      MountCommands.Mount.class,
      MountCommands.Unmount.class,
      StoreCommand.class
    })
public final class Tusk {
  static final String DEFAULT_ADDRESS = "127.0.0.1:1650";
  private static final int BROKEN_PIPE = 141;

  @Option(
      names = "--address",
      scope = ScopeType.INHERIT,
      paramLabel = "HOST:PORT",
      description = "The daemon to talk to (default: $TUSK_ADDRESS or " + DEFAULT_ADDRESS + ").")
  String address;

  private final Io io;

  Tusk(Io io) {
    this.io = io;
  }

  public static void main(String[] args) {
    Io io = Io.system();
    int code = run(args, io);
    io.out().flush();
    io.err().flush();
    System.exit(code);
  }

  /** Runs a command line with the process's stdin, all output going to {@code out}; returns the exit code. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, new Io(
        System.in, new WriterOutputStream(out), out, err, false, System.getenv(), Clock.systemUTC()));
  }

  /** Runs a command line; returns the exit code. Errors are one line on {@code io.err()}. */
  static int run(String[] args, Io io) {
    CommandLine cli = new CommandLine(new Tusk(io));
    cli.setOut(io.out());
    cli.setErr(io.err());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(
        (e, arguments) -> {
          CommandLine command = e.getCommandLine();
          command.getErr().println("tusk: " + e.getMessage()
              + " (see '" + command.getCommandSpec().qualifiedName() + " --help')");
          return command.getCommandSpec().exitCodeOnInvalidInput();
        });
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (isBrokenPipe(e)) {
            return BROKEN_PIPE; // the reader went away (| head): nothing to report, as with SIGPIPE
          }
          commandLine.getErr().println("tusk: " + message(e));
          return 1;
        });
    try {
      return cli.execute(args);
    } finally {
      io.out().flush();
    }
  }

  Io io() {
    return io;
  }

  /** The daemon's address: {@code --address}, else {@code $TUSK_ADDRESS}, else the default. */
  String address() {
    if (address != null) {
      return address;
    }
    String env = io.getenv("TUSK_ADDRESS");
    return env != null ? env : DEFAULT_ADDRESS;
  }

  private static boolean isBrokenPipe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException && "Broken pipe".equals(t.getMessage())) {
        return true;
      }
    }
    return false;
  }

  private static String message(Throwable e) {
    if (e instanceof UncheckedIOException && e.getCause() != null) {
      e = e.getCause();
    }
    String message = e.getMessage();
    if (e instanceof TuskException) {
      return message;
    }
    if (e instanceof NoSuchFileException) {
      return "no such file: " + message;
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied: " + message;
    }
    if (e instanceof FileAlreadyExistsException) {
      return "file exists: " + message;
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory: " + message;
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "directory not empty: " + message;
    }
    return message == null ? e.toString() : message;
  }
}
