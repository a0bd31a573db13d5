package dev.tusk.fsd.tree;

import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a page. Integers marked varint are unsigned LEB128; hashes and digests are 32
 * raw bytes. Names are prefix-compressed against the previous entry's UTF-8 name.
 *
 * <pre>
 * page    = magic "TKN1" (4 bytes), level (1 byte), level == 0 ? leaf : index
 * leaf    = chunkCount varint, chunkCount x chunk digest, entryCount varint, entryCount x leafEntry
 * leafEntry = name, kind (1 byte), then by kind:
 *   0 inline file:   content hash, size varint, refCount varint, refCount x (chunk index varint,
 *                    offset varint, length varint)
 *   1 external file: content hash, size varint, digest of the content object
 *   2 directory:     logical hash, size varint, fileCount varint, digest of its root page
 *   3 empty directory
 * index   = entryCount varint, entryCount x (name, child page digest, child logical hash,
 *           count varint, size varint, fileCount varint)
 * name    = shared prefix length varint, suffix length varint, suffix bytes
 * </pre>
 *
 * Inline refs point into the leaf's chunk table, because small files packed into one chunk sit next
 * to each other in a directory and would otherwise repeat the same 32-byte digest.
 */
final class NodeCodec {
  private static final int MAGIC = 0x544b4e31; // "TKN1"
  private static final int INLINE_FILE = 0;
  private static final int EXTERNAL_FILE = 1;
  private static final int DIR = 2;
  private static final int EMPTY_DIR = 3;
  private static final HexFormat HEX = HexFormat.of();

  private NodeCodec() {}

  static byte[] encode(Node node) {
    Out out = new Out(64 + 96 * node.size());
    out.int32(MAGIC);
    out.u8(node.level());
    if (node.isLeaf()) {
      encodeLeaf(node, out);
    } else {
      encodeIndex(node, out);
    }
    return out.toByteArray();
  }

  /** Decodes {@link #encode} output; anything else is an IOException naming {@code key}. */
  static Node decode(String key, byte[] bytes) throws IOException {
    try {
      In in = new In(bytes);
      if (bytes.length < 5 || in.int32() != MAGIC) {
        throw new IllegalArgumentException("bad magic");
      }
      int level = in.u8();
      Node node = level == 0 ? decodeLeaf(in) : decodeIndex(level, in);
      if (!in.atEnd()) {
        throw new IllegalArgumentException("trailing bytes");
      }
      return node;
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new IOException("Corrupt tree node " + key + ": " + e.getMessage(), e);
    }
  }

  private static void encodeLeaf(Node node, Out out) {
    Map<ChunkId, Integer> chunks = new LinkedHashMap<>();
    for (PageEntry entry : node.entries()) {
      FileContent content = ((LeafEntry) entry).content();
      if (content != null) {
        for (DataRef ref : content.refs()) {
          chunks.putIfAbsent(ref.chunk(), chunks.size());
        }
      }
    }
    out.varint(chunks.size());
    for (ChunkId chunk : chunks.keySet()) {
      out.bytes(chunk.digest());
    }
    out.varint(node.size());
    byte[] previous = new byte[0];
    for (PageEntry entry : node.entries()) {
      LeafEntry leaf = (LeafEntry) entry;
      previous = name(out, previous, leaf.name());
      if (leaf.type() == EntryType.DIR) {
        if (leaf.tree().isEmpty()) {
          out.u8(EMPTY_DIR);
        } else {
          out.u8(DIR);
          out.bytes(HEX.parseHex(leaf.hash()));
          out.varint(leaf.size());
          out.varint(leaf.tree().fileCount());
          out.bytes(NodeKeys.digestOf(leaf.tree().nodeKey()));
        }
      } else if (leaf.content() == null) {
        out.u8(EXTERNAL_FILE);
        out.bytes(HEX.parseHex(leaf.hash()));
        out.varint(leaf.size());
        out.bytes(NodeKeys.digestOf(leaf.contentKey()));
      } else {
        out.u8(INLINE_FILE);
        out.bytes(HEX.parseHex(leaf.hash()));
        out.varint(leaf.size());
        List<DataRef> refs = leaf.content().refs();
        out.varint(refs.size());
        for (DataRef ref : refs) {
          out.varint(chunks.get(ref.chunk()));
          out.varint(ref.offset());
          out.varint(ref.length());
        }
      }
    }
  }

  private static void encodeIndex(Node node, Out out) {
    out.varint(node.size());
    byte[] previous = new byte[0];
    for (PageEntry entry : node.entries()) {
      IndexEntry index = (IndexEntry) entry;
      previous = name(out, previous, index.name());
      out.bytes(NodeKeys.digestOf(index.childKey()));
      out.bytes(HEX.parseHex(index.childHash()));
      out.varint(index.count());
      out.varint(index.size());
      out.varint(index.fileCount());
    }
  }

  private static Node decodeLeaf(In in) {
    int chunkCount = in.count(32);
    ChunkId[] chunks = new ChunkId[chunkCount];
    for (int i = 0; i < chunkCount; i++) {
      chunks[i] = ChunkId.fromDigest(in.bytes(32));
    }
    int count = in.count(2);
    List<PageEntry> entries = new ArrayList<>(count);
    Names names = new Names();
    for (int i = 0; i < count; i++) {
      String name = names.next(in);
      int kind = in.u8();
      switch (kind) {
        case INLINE_FILE -> {
          String hash = in.hex32();
          long size = in.varlong();
          int refCount = in.count(3);
          List<DataRef> refs = new ArrayList<>(refCount);
          for (int r = 0; r < refCount; r++) {
            int chunk = in.varint();
            if (chunk >= chunkCount) {
              throw new IllegalArgumentException("chunk index " + chunk + " of " + chunkCount);
            }
            refs.add(new DataRef(chunks[chunk], in.varint(), in.varint()));
          }
          entries.add(LeafEntry.inlineFile(name, new FileContent(hash, size, refs)));
        }
        case EXTERNAL_FILE -> {
          String hash = in.hex32();
          long size = in.varlong();
          entries.add(LeafEntry.externalFile(name, hash, size, NodeKeys.keyOfDigest(in.bytes(32))));
        }
        case DIR -> {
          String hash = in.hex32();
          long size = in.varlong();
          long files = in.varlong();
          String key = NodeKeys.keyOfDigest(in.bytes(32));
          entries.add(LeafEntry.dir(name, new TreeRef(key, hash, size, files)));
        }
        case EMPTY_DIR -> entries.add(LeafEntry.dir(name, TreeRef.EMPTY));
        default -> throw new IllegalArgumentException("unknown entry kind " + kind);
      }
    }
    return new Node(0, entries);
  }

  private static Node decodeIndex(int level, In in) {
    int count = in.count(68);
    List<PageEntry> entries = new ArrayList<>(count);
    Names names = new Names();
    for (int i = 0; i < count; i++) {
      String name = names.next(in);
      String key = NodeKeys.keyOfDigest(in.bytes(32));
      String hash = in.hex32();
      entries.add(new IndexEntry(name, key, hash, in.varlong(), in.varlong(), in.varlong()));
    }
    return new Node(level, entries);
  }

  private static byte[] name(Out out, byte[] previous, String name) {
    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
    int shared = Arrays.mismatch(previous, utf8);
    if (shared < 0) {
      shared = utf8.length; // cannot happen for strictly ordered names, but stays decodable
    }
    out.varint(shared);
    out.varint(utf8.length - shared);
    out.bytes(utf8, shared, utf8.length - shared);
    return utf8;
  }

  /** Rebuilds prefix-compressed names and checks that they are valid and strictly ascending. */
  private static final class Names {
    private byte[] previousBytes = new byte[0];
    private String previous;

    String next(In in) {
      int shared = in.varint();
      int suffix = in.varint();
      if (shared > previousBytes.length || shared + suffix > TreePaths.MAX_NAME_BYTES) {
        throw new IllegalArgumentException("bad name length " + shared + "+" + suffix);
      }
      byte[] utf8 = Arrays.copyOf(previousBytes, shared + suffix);
      System.arraycopy(in.bytes(suffix), 0, utf8, shared, suffix);
      String name = new String(utf8, StandardCharsets.UTF_8);
      if (!TreePaths.isValidName(name)) {
        throw new IllegalArgumentException("invalid name '" + name + "'");
      }
      if (previous != null && TreePaths.compareNames(previous, name) >= 0) {
        throw new IllegalArgumentException("names out of order at '" + name + "'");
      }
      previousBytes = utf8;
      previous = name;
      return name;
    }
  }

  private static final class Out {
    private byte[] buffer;
    private int size;

    Out(int capacity) {
      buffer = new byte[capacity];
    }

    void u8(int value) {
      ensure(1);
      buffer[size++] = (byte) value;
    }

    void int32(int value) {
      ensure(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        buffer[size++] = (byte) (value >>> shift);
      }
    }

    void varint(long value) {
      ensure(10);
      while ((value & ~0x7fL) != 0) {
        buffer[size++] = (byte) ((value & 0x7f) | 0x80);
        value >>>= 7;
      }
      buffer[size++] = (byte) value;
    }

    void bytes(byte[] data) {
      bytes(data, 0, data.length);
    }

    void bytes(byte[] data, int offset, int length) {
      ensure(length);
      System.arraycopy(data, offset, buffer, size, length);
      size += length;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buffer, size);
    }

    private void ensure(int more) {
      if (size + more > buffer.length) {
        buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
      }
    }
  }

  private static final class In {
    private final byte[] data;
    private int position;

    In(byte[] data) {
      this.data = data;
    }

    boolean atEnd() {
      return position == data.length;
    }

    int u8() {
      return data[position++] & 0xff;
    }

    int int32() {
      int value = 0;
      for (int i = 0; i < 4; i++) {
        value = (value << 8) | u8();
      }
      return value;
    }

    long varlong() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = u8();
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          if (value < 0) {
            throw new IllegalArgumentException("negative number");
          }
          return value;
        }
      }
      throw new IllegalArgumentException("varint too long");
    }

    int varint() {
      long value = varlong();
      if (value > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("number too large: " + value);
      }
      return (int) value;
    }

    /** A count of items of at least {@code minBytes} each, checked against what is left. */
    int count(int minBytes) {
      int count = varint();
      if (count > (data.length - position) / minBytes) {
        throw new IllegalArgumentException(
            count + " items cannot fit in " + data.length + " bytes");
      }
      return count;
    }

    byte[] bytes(int length) {
      if (length > data.length - position) {
        throw new IndexOutOfBoundsException("truncated");
      }
      byte[] out = Arrays.copyOfRange(data, position, position + length);
      position += length;
      return out;
    }

    String hex32() {
      if (32 > data.length - position) {
        throw new IndexOutOfBoundsException("truncated");
      }
      String hex = HEX.formatHex(data, position, position + 32);
      position += 32;
      return hex;
    }
  }
}
