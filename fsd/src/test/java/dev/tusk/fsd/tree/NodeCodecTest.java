package dev.tusk.fsd.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeCodecTest {
  private static final String KEY = NodeKeys.keyOf(new byte[] {1});
  private static final TreeRef SUBTREE = new TreeRef(KEY, Contents.hash("t"), 123, 4);

  private static Node leaf() {
    return new Node(
        0,
        List.of(
            LeafEntry.dir("dir", SUBTREE),
            LeafEntry.dir("empty", TreeRef.EMPTY),
            LeafEntry.externalFile("huge", Contents.hash("h"), 1L << 40, KEY),
            LeafEntry.inlineFile("packed-1", Contents.packed("1", 10, "pack", 0)),
            LeafEntry.inlineFile("packed-2", Contents.packed("2", 20, "pack", 10)),
            LeafEntry.inlineFile("\u00e9t\u00e9 \uD83D\uDE00", Contents.large("l", 3))));
  }

  @Test
  void leafPagesRoundTrip() throws IOException {
    Node leaf = leaf();

    assertThat(NodeCodec.decode(KEY, NodeCodec.encode(leaf))).isEqualTo(leaf);
  }

  @Test
  void indexPagesRoundTrip() throws IOException {
    Node index =
        new Node(
            3,
            List.of(
                new IndexEntry("a", KEY, Contents.hash("a"), 500, 1L << 35, 499),
                new IndexEntry("abc", KEY, Contents.hash("b"), 1, 0, 0)));

    assertThat(NodeCodec.decode(KEY, NodeCodec.encode(index))).isEqualTo(index);
  }

  @Test
  void packedFilesShareTheirChunkDigest() {
    byte[] one =
        NodeCodec.encode(
            new Node(0, List.of(LeafEntry.inlineFile("a", Contents.packed("a", 1, "p", 0)))));
    byte[] two =
        NodeCodec.encode(
            new Node(
                0,
                List.of(
                    LeafEntry.inlineFile("a", Contents.packed("a", 1, "p", 0)),
                    LeafEntry.inlineFile("b", Contents.packed("b", 1, "p", 1)))));

    // A name, a kind, a content hash and a few varints, but no second 32-byte chunk digest.
    assertThat(two.length - one.length).isLessThan(48);
  }

  @Test
  void truncatedPagesAreCorrupt() {
    byte[] bytes = NodeCodec.encode(leaf());

    for (int length : new int[] {0, 3, 5, bytes.length / 2, bytes.length - 1}) {
      assertThatThrownBy(() -> NodeCodec.decode(KEY, Arrays.copyOf(bytes, length)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Corrupt tree node " + KEY);
    }
  }

  @Test
  void trailingBytesAreCorrupt() {
    byte[] bytes = NodeCodec.encode(leaf());

    assertThatThrownBy(() -> NodeCodec.decode(KEY, Arrays.copyOf(bytes, bytes.length + 1)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void namesOutOfOrderAreCorrupt() {
    // Swapping the entries of a two-entry page yields a well-formed encoding in the wrong order.
    Node ordered =
        new Node(0, List.of(LeafEntry.dir("a", TreeRef.EMPTY), LeafEntry.dir("b", TreeRef.EMPTY)));
    byte[] bytes = NodeCodec.encode(ordered);
    int a = indexOf(bytes, (byte) 'a');
    int b = indexOf(bytes, (byte) 'b');
    bytes[a] = 'b';
    bytes[b] = 'a';

    assertThatThrownBy(() -> NodeCodec.decode(KEY, bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("out of order");
  }

  @Test
  void objectsWhoseBytesDoNotMatchTheirKeyAreRejected() throws IOException {
    try (CountingObjectStore objects = MemoryStores.open()) {
      NodeStore nodes = new NodeStore(objects, 1 << 20, Runnable::run);
      NodeStore.Encoded encoded = nodes.encode(leaf());
      byte[] tampered = encoded.bytes().clone();
      tampered[tampered.length - 1] ^= 1;
      objects.put(encoded.key(), tampered);

      assertThatThrownBy(() -> nodes.node(encoded.key()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("do not match");
    }
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == b) {
        return i;
      }
    }
    throw new AssertionError("no " + (char) b);
  }
}
