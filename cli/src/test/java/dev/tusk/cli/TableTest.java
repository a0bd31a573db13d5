package dev.tusk.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {
  private final StringWriter text = new StringWriter();
  private final Table table = new Table(new PrintWriter(text), "NAME", "SIZE", "NOTE");

  @Test
  void columnsAlignToTheWidestCell() {
    table.row("a", "1B", "");
    table.row("longer-name", "4.0KiB", "x");
    table.finish();

    assertThat(text.toString()).isEqualTo(
        "NAME          SIZE     NOTE\n"
            + "a             1B\n"
            + "longer-name   4.0KiB   x\n");
  }

  @Test
  void rowsAfterTheSampleStreamWithTheSampledWidths() {
    for (int i = 0; i < Table.SAMPLE_ROWS; i++) {
      table.row("n", "1B", "");
    }
    String sampled = text.toString();
    table.row("much-longer-name", "2B", "");

    assertThat(sampled).startsWith("NAME   SIZE   NOTE\n");
    assertThat(text.toString()).endsWith("\nmuch-longer-name   2B\n");
  }

  @Test
  void anEmptyTableStillHasItsHeader() {
    table.finish();

    assertThat(text.toString()).isEqualTo("NAME   SIZE   NOTE\n");
  }
}
