package dev.tusk.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tusk} command. */
@Command(
    name = "tusk",
    mixinStandardHelpOptions = true,
    version = "tusk 0.1.0",
    description = "Version control for data, with pipelines that record provenance.",
    subcommands = {StoreCommand.class})
public final class Tusk {

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs a command line; returns the exit code. Errors are one line on {@code err}. */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Tusk());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("tusk: " + message(e));
          return 1;
        });
    return cli.execute(args);
  }

  private static String message(Throwable e) {
    String message = e.getMessage();
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file: " + message;
    }
    return message == null ? e.toString() : message;
  }
}
