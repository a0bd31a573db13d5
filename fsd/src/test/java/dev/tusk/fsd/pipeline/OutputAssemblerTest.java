package dev.tusk.fsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tusk.api.v1.PutContent;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.DatumRecord;
import dev.tusk.fsd.tree.TreeChange;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputAssemblerTest {
  private static DatumRecord datum(String id) {
    return new DatumRecord("job", id, id + "-hash", "success", 1, "", new byte[0], "job");
  }

  private static PutContent file(String path) {
    // An empty file: no chunks, the empty content hash.
    return PutContent.newBuilder()
        .setPath(path)
        .setHash("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        .build();
  }

  @Test
  void removesTheOutputsOfDatumsThatAreGoneAndAddsThoseOfNewOnes() {
    Map<String, List<PutContent>> outputs = Map.of(
        "a-hash", List.of(file("/a.out")),
        "b-hash", List.of(file("/b.out")),
        "c-hash", List.of(file("/c.out"), file("/dir/c2.out")));
    List<TreeChange> changes = OutputAssembler.changes(
        List.of(datum("b"), datum("c")), List.of(datum("a"), datum("b")), outputs);
    assertThat(changes).extracting(TreeChange::path).containsExactly("/a.out", "/c.out", "/dir/c2.out");
    assertThat(changes.get(0)).isInstanceOf(TreeChange.Delete.class);
    assertThat(changes.get(1)).isInstanceOf(TreeChange.PutFile.class);
  }

  @Test
  void aPathTakenOverByANewDatumIsNotDeleted() {
    Map<String, List<PutContent>> outputs = Map.of(
        "a-hash", List.of(file("/shared.out")),
        "b-hash", List.of(file("/shared.out")));
    List<TreeChange> changes = OutputAssembler.changes(List.of(datum("b")), List.of(datum("a")), outputs);
    assertThat(changes).singleElement().isInstanceOf(TreeChange.PutFile.class);
  }

  @Test
  void twoDatumsWritingOnePathAreAnErrorNamingBoth() {
    Map<String, List<PutContent>> outputs = Map.of(
        "a-hash", List.of(file("/same")),
        "b-hash", List.of(file("/same")));
    assertThatThrownBy(() -> OutputAssembler.changes(List.of(datum("a"), datum("b")), List.of(), outputs))
        .isInstanceOf(PfsException.class)
        .hasMessage("Datums a and b both write /same");
  }
}
