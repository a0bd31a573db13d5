package dev.tusk.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Iterator;
import java.util.function.Function;
import picocli.CommandLine.Option;

/**
 * The {@code -o/--output} option of commands that print repos, commits, branches or files: a
 * table for people by default, or {@code json} (one object a line) for scripts.
 */
final class Output {
  private static final int CHECK_EVERY_ROWS = 4096;
  /** The formats {@code -o} takes. */
  enum Format {
    TABLE,
    JSON
  }

  /** How one kind of item prints: its JSON object, and its table columns. */
  record Printer<T>(JsonWriter<T> json, String[] header, Function<T, String[]> row) {}

  /** Writes one item as a JSON line. */
  @FunctionalInterface
  interface JsonWriter<T> {
    void write(JsonOutput json, T item) throws IOException;
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "table (default) or json: one JSON object a line.")
  Format format = Format.TABLE;

  boolean json() {
    return format == Format.JSON;
  }

  /** Prints items as they arrive. */
  <T> void print(Io io, Iterator<T> items, Printer<T> printer) throws IOException {
    if (json()) {
      io.out().flush();
      JsonOutput json = new JsonOutput(io.stdout());
      while (items.hasNext()) {
        printer.json().write(json, items.next());
      }
      json.flush();
    } else {
      Table table = new Table(io.out(), printer.header());
      long rows = 0;
      while (items.hasNext()) {
        table.row(printer.row().apply(items.next()));
        // A PrintWriter keeps quiet about a reader that went away (| head): stop listing then.
        if (++rows % CHECK_EVERY_ROWS == 0 && io.out().checkError()) {
          throw new IOException("Broken pipe");
        }
      }
      table.finish();
    }
  }

  /** Prints one item: its JSON line, or {@code Key: value} lines from {@code details}. */
  <T> void printOne(Io io, T item, JsonWriter<T> json, Function<T, String[]> details)
      throws IOException {
    if (json()) {
      io.out().flush();
      JsonOutput out = new JsonOutput(io.stdout());
      json.write(out, item);
      out.flush();
    } else {
      fields(io.out(), details.apply(item));
    }
  }

  /** {@code Key: value} lines with the values aligned; pairs alternate key, value. */
  static void fields(PrintWriter out, String... pairs) {
    int width = 0;
    for (int i = 0; i < pairs.length; i += 2) {
      width = Math.max(width, pairs[i].length() + 1);
    }
    for (int i = 0; i < pairs.length; i += 2) {
      String key = pairs[i] + ":";
      out.append(key);
      if (!pairs[i + 1].isEmpty()) {
        for (int pad = key.length(); pad <= width; pad++) {
          out.append(' ');
        }
        out.append(pairs[i + 1]);
      }
      out.append('\n');
    }
  }
}
