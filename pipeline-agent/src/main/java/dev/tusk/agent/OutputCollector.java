package dev.tusk.agent;

import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.DatumTask;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileType;
import dev.tusk.api.v1.PutContent;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Turns what a datum left in {@code /pfs/out} into {@link PutContent}s whose chunks are durable.
 * Regular files are chunked into the store (small ones packed together, so thousands of small files
 * cost a few chunk writes and one durability barrier). A symlink into an input becomes a reference
 * to the input file's stored content, with no bytes copied. Anything else fails the datum.
 */
final class OutputCollector {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  private final ChunkStore chunks;
  private final TuskClient client;

  OutputCollector(ChunkStore chunks, TuskClient client) {
    this.chunks = chunks;
    this.client = client;
  }

  /** An output the agent cannot store; the message names it and says why. */
  static final class BadOutputException extends IOException {
    BadOutputException(String message) {
      super(message);
    }
  }

  /** The outputs under {@code outDir}, in path order, every chunk durable. */
  List<PutContent> collect(Path outDir, DatumTask task) throws IOException {
    Pending pending;
    try (ContentWriter writer = chunks.newWriter()) { // close() flushes: chunks durable after it
      pending = start(outDir, task, writer);
    }
    return finish(pending);
  }

  /**
   * One datum's outputs being written: their contents are known, and durable, once the writer
   * they went to has flushed.
   */
  static final class Pending {
    private final Path outDir;
    private final DatumTask task;
    private final List<String> files;
    private final List<String> links;
    private final List<CompletableFuture<FileContent>> contents;

    private Pending(Path outDir, DatumTask task, List<String> files, List<String> links,
        List<CompletableFuture<FileContent>> contents) {
      this.outDir = outDir;
      this.task = task;
      this.files = files;
      this.links = links;
      this.contents = contents;
    }
  }

  /**
   * Writes the regular files under {@code outDir} into {@code writer}, which several datums may
   * share (their small files then share packs, and one flush makes them all durable). Call {@link
   * #finish} once the writer has flushed.
   */
  Pending start(Path outDir, DatumTask task, ContentWriter writer) throws IOException {
    List<String> files = new ArrayList<>();
    List<String> links = new ArrayList<>();
    Files.walkFileTree(outDir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        String path = outputPath(outDir, file);
        if (attrs.isRegularFile()) {
          files.add(path);
        } else if (attrs.isSymbolicLink()) {
          links.add(path);
        } else {
          throw new BadOutputException("Output " + DatumSandbox.OUT + path
              + " is not a regular file, directory or symlink (a FIFO, socket or device)");
        }
        return FileVisitResult.CONTINUE;
      }
    });
    files.sort(null);
    List<CompletableFuture<FileContent>> contents = new ArrayList<>(files.size());
    for (String path : files) {
      try (InputStream in = Files.newInputStream(outDir.resolve(path.substring(1)))) {
        contents.add(writer.write(in));
      }
    }
    return new Pending(outDir, task, files, links, contents);
  }

  /** The outputs of {@code pending}, in path order; its writer must have flushed. */
  List<PutContent> finish(Pending pending) throws IOException {
    List<String> files = pending.files;
    List<PutContent> puts = new ArrayList<>(files.size() + pending.links.size());
    for (int i = 0; i < files.size(); i++) {
      try {
        puts.add(PutContents.of(files.get(i), pending.contents.get(i).join()));
      } catch (CompletionException e) {
        throw new IOException("Cannot store output " + DatumSandbox.OUT + files.get(i) + ": " + e.getCause(), e.getCause());
      }
    }
    for (String link : pending.links) {
      puts.add(PutContents.of(link, linkedInput(pending.outDir, link, pending.task)));
    }
    if (!pending.links.isEmpty()) {
      puts.sort((a, b) -> a.getPath().compareTo(b.getPath()));
    }
    return puts;
  }

  /** The stored input file the symlink at {@code path} points at, as the container saw it. */
  private FileInfo linkedInput(Path outDir, String path, DatumTask task) throws IOException {
    String shown = DatumSandbox.OUT + path;
    String target = Files.readSymbolicLink(outDir.resolve(path.substring(1))).toString();
    String resolved = normalize(target.startsWith("/") ? target : shown.substring(0, shown.lastIndexOf('/') + 1) + target);
    for (DatumInput input : task.getInputsList()) {
      String root = DatumSandbox.PFS + "/" + input.getName();
      String matched = DatumSandbox.innerPath(input);
      if (resolved == null || !(resolved + "/").startsWith(root + "/")) {
        continue;
      }
      String inner = resolved.length() == root.length() ? "/" : resolved.substring(root.length());
      if (!matched.equals("/") && !inner.equals(matched) && !inner.startsWith(matched + "/")) {
        continue;
      }
      String file = input.getRepo() + "@" + input.getCommit() + ":" + inner;
      FileInfo info;
      try {
        info = client.withDeadlineAfter(CALL_TIMEOUT).inspectFile(file, true);
      } catch (RuntimeException e) {
        throw new IOException("Cannot store output " + shown + ", a symlink to " + target + ": cannot read "
            + file + ": " + e.getMessage(), e);
      }
      if (info.getType() != FileType.FILE) {
        throw new BadOutputException("Output " + shown + " is a symlink to " + target
            + ", which is a directory; only symlinks to input files are kept");
      }
      return info;
    }
    throw new BadOutputException("Output " + shown + " is a symlink to " + target
        + ", which is not a file of this datum's inputs; only symlinks to input files are kept");
  }

  private static String outputPath(Path outDir, Path file) {
    StringBuilder path = new StringBuilder();
    for (Path part : outDir.relativize(file)) {
      path.append('/').append(part);
    }
    return path.toString();
  }

  /** An absolute path with "." and ".." resolved; null if it climbs above the root. */
  private static String normalize(String path) {
    Deque<String> parts = new ArrayDeque<>();
    for (String part : path.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.removeLast();
      } else {
        parts.addLast(part);
      }
    }
    return parts.isEmpty() ? "/" : "/" + String.join("/", parts);
  }
}
