package dev.tusk.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A text table with aligned columns, like pachctl's. It streams: column widths come from the
 * header and the first {@value #SAMPLE_ROWS} rows, which are held back until then; later rows are
 * printed at once (a wider cell pushes its line's later columns right).
 */
final class Table {
  static final int SAMPLE_ROWS = 1000;
  private static final String GAP = "   ";

  private final PrintWriter out;
  private final String[] header;
  private List<String[]> sample = new ArrayList<>();
  private int[] widths;
  private final StringBuilder line = new StringBuilder(128);

  Table(PrintWriter out, String... header) {
    this.out = out;
    this.header = header;
  }

  void row(String... cells) {
    if (cells.length != header.length) {
      throw new IllegalArgumentException("Expected " + header.length + " cells, got " + cells.length);
    }
    if (widths != null) {
      print(cells);
      return;
    }
    sample.add(cells);
    if (sample.size() == SAMPLE_ROWS) {
      flushSample();
    }
  }

  /** Prints whatever is held back; call once after the last row. */
  void finish() {
    if (widths == null) {
      flushSample();
    }
  }

  private void flushSample() {
    widths = new int[header.length];
    measure(header);
    sample.forEach(this::measure);
    print(header);
    sample.forEach(this::print);
    sample = null;
  }

  private void measure(String[] cells) {
    for (int i = 0; i < cells.length; i++) {
      widths[i] = Math.max(widths[i], cells[i].length());
    }
  }

  private void print(String[] cells) {
    line.setLength(0);
    for (int i = 0; i < cells.length; i++) {
      line.append(cells[i]);
      if (i < cells.length - 1) {
        for (int pad = cells[i].length(); pad < widths[i]; pad++) {
          line.append(' ');
        }
        line.append(GAP);
      }
    }
    // Trailing blanks from an empty last column are noise.
    int end = line.length();
    while (end > 0 && line.charAt(end - 1) == ' ') {
      end--;
    }
    line.setLength(end);
    out.append(line).append('\n');
  }
}
