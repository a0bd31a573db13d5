package dev.tusk.cli;

import dev.tusk.api.FileUpload;
import dev.tusk.api.TuskClient;
import dev.tusk.api.v1.DiffFileResponse;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileType;
import dev.tusk.chunkstore.ChunkId;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.DataRef;
import dev.tusk.chunkstore.FileContent;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code get|list|glob|inspect|delete|copy|diff file}; {@code put file} is {@link PutFileCommand}.
 */
final class FileCommands {
  private FileCommands() {}

  static final Output.Printer<FileInfo> PRINTER = new Output.Printer<>(
      JsonOutput::file,
      new String[] {"NAME", "TYPE", "SIZE"},
      f -> new String[] {name(f), JsonOutput.type(f.getType()), Formats.bytes(f.getSizeBytes())});

  private static final Output.Printer<DiffFileResponse> DIFF_PRINTER = new Output.Printer<>(
      JsonOutput::diff,
      new String[] {"CHANGE", "NAME", "TYPE", "SIZE", "OLD SIZE"},
      d -> new String[] {
        JsonOutput.change(d),
        d.hasNewFile() ? name(d.getNewFile()) : name(d.getOldFile()),
        JsonOutput.type(d.hasNewFile() ? d.getNewFile().getType() : d.getOldFile().getType()),
        d.hasNewFile() ? Formats.bytes(d.getNewFile().getSizeBytes()) : "-",
        d.hasOldFile() ? Formats.bytes(d.getOldFile().getSizeBytes()) : "-"
      });

  /** A directory shows with a trailing slash, as in pachctl. */
  private static String name(FileInfo file) {
    return file.getType() == FileType.DIR && !file.getPath().endsWith("/")
        ? file.getPath() + "/"
        : file.getPath();
  }

  @Command(name = "file", description = "List a directory's entries in name order (or the file itself).")
  static final class List extends ClientCommand {
    @Parameters(paramLabel = "REPO@REF[:/DIR]")
    String file;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      if (output.json()) {
        // Formatted from the wire bytes: a large directory's listing costs far less this way.
        Io io = io();
        io.out().flush();
        WireFileJson json = new WireFileJson(io.stdout());
        try (Stream<byte[]> batches = client.listFileBatchedWire(file)) {
          Iterator<byte[]> it = batches.iterator();
          while (it.hasNext()) {
            json.batch(it.next());
          }
        }
        json.flush();
        return 0;
      }
      try (Stream<FileInfo> files = client.listFileBatched(file)) {
        output.print(io(), files.iterator(), PRINTER);
      }
      return 0;
    }
  }

  @Command(
      name = "file",
      description = "List the files and directories that match a pattern: *, ?, [...] and ** as in pachctl.")
  static final class Glob extends ClientCommand {
    @Parameters(paramLabel = "REPO@REF:PATTERN")
    String pattern;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      try (Stream<FileInfo> files = client.globFile(pattern)) {
        output.print(io(), files.iterator(), PRINTER);
      }
      return 0;
    }
  }

  @Command(name = "file", description = "Show a file or directory: type, size and content hash.")
  static final class Inspect extends ClientCommand {
    @Parameters(paramLabel = "REPO@REF:/PATH")
    String file;

    @Option(
        names = "--provenance",
        description = "For a pipeline's output: the job, datum, input files, pipeline version and image that produced it.")
    boolean provenance;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      if (provenance) {
        PipelineCommands.printProvenance(io(), output, client.pipelines(), file);
        return 0;
      }
      output.printOne(io(), client.inspectFile(file), JsonOutput::file, f -> new String[] {
        "Path", f.getPath(),
        "Type", JsonOutput.type(f.getType()),
        "Size", Formats.bytes(f.getSizeBytes()) + " (" + f.getSizeBytes() + " bytes)",
        "Hash", f.getHash(),
        "Commit", f.getCommit()
      });
      return 0;
    }
  }

  @Command(name = "file", description = "Write a file's bytes to stdout or to a local file.")
  static final class Get extends ClientCommand {
    @Parameters(paramLabel = "REPO@REF:/PATH")
    String file;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here instead of stdout.")
    Path output;

    @Override
    protected int run(TuskClient client) throws IOException {
      Io io = io();
      try (ChunkStore store = DirectStore.open(client, address(), io, DirectStore.Access.READ)) {
        FileInfo stored = store != null ? client.inspectFile(file, true) : null;
        // For a directory, the daemon's GetFile says what is wrong.
        FileInfo info = stored != null && stored.getType() == FileType.FILE ? stored : null;
        // The size is needed only to draw progress for a person watching.
        long total = info != null ? info.getSizeBytes() : io.terminal() ? client.inspectFile(file).getSizeBytes() : -1;
        Source source = info == null
            ? out -> client.getFile(file, 0, 0, out)
            : out -> ChunkReads.copy(store, content(info), out);
        if (output == null) {
          io.out().flush();
          // The process's stdout is a FileOutputStream: write to its channel.
          WritableByteChannel out = io.stdout() instanceof FileOutputStream file
              ? file.getChannel()
              : Channels.newChannel(io.stdout());
          copy(source, io, out, total);
          io.stdout().flush();
          return 0;
        }
        boolean existed = Files.exists(output);
        boolean done = false;
        try (FileChannel out = FileChannel.open(
            output, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
          copy(source, io, out, total);
          done = true;
        } finally {
          if (!done && !existed) {
            Files.deleteIfExists(output);
          }
        }
      }
      return 0;
    }

    /** Where a file's bytes come from: the daemon's stream, or chunks read here. */
    @FunctionalInterface
    private interface Source {
      void writeTo(WritableByteChannel out) throws IOException;
    }

    private void copy(Source source, Io io, WritableByteChannel out, long total) throws IOException {
      AtomicLong written = new AtomicLong();
      WritableByteChannel counted = new WritableByteChannel() {
        @Override
        public int write(ByteBuffer src) throws IOException {
          int n = out.write(src);
          written.lazySet(written.get() + n);
          return n;
        }

        @Override
        public boolean isOpen() {
          return out.isOpen();
        }

        @Override
        public void close() throws IOException {
          out.close();
        }
      };
      try (ProgressBar progress = ProgressBar.start(io, "get " + file, written::get, total)) {
        source.writeTo(counted);
      }
    }

    private static FileContent content(FileInfo info) {
      java.util.List<DataRef> refs = new ArrayList<>(info.getDataCount());
      for (dev.tusk.api.v1.DataRef ref : info.getDataList()) {
        refs.add(new DataRef(ChunkId.fromDigest(ref.getChunk().toByteArray()), ref.getOffset(), ref.getLength()));
      }
      return new FileContent(info.getHash(), info.getSizeBytes(), refs);
    }
  }

  @Command(name = "file", description = "Delete a file, or a directory with everything under it.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "REPO@BRANCH:/PATH")
    String file;

    @Override
    protected int run(TuskClient client) {
      Refs.BranchPath target = Refs.branchPath(file);
      if (target.path() == null) {
        throw new IllegalArgumentException("Invalid file '" + file + "': expected REPO@BRANCH:/PATH");
      }
      try (FileUpload change = client.modifyFile(target.repo(), target.branch(), null)) {
        change.delete(target.path());
        change.finish();
      }
      return 0;
    }
  }

  @Command(
      name = "file",
      description = "Copy a file or directory by reference: no bytes are copied, however large.")
  static final class Copy extends ClientCommand {
    @Parameters(index = "0", paramLabel = "SRC", description = "REPO@REF:/PATH")
    String source;

    @Parameters(index = "1", paramLabel = "DST", description = "REPO@BRANCH:/PATH")
    String destination;

    @Override
    protected int run(TuskClient client) {
      Refs.BranchPath target = Refs.branchPath(destination);
      if (target.path() == null) {
        throw new IllegalArgumentException(
            "Invalid destination '" + destination + "': expected REPO@BRANCH:/PATH");
      }
      try (FileUpload change = client.modifyFile(target.repo(), target.branch(), null)) {
        change.copy(source, target.path());
        change.finish();
      }
      return 0;
    }
  }

  @Command(
      name = "file",
      description = "Show what changed between two commits (by default NEW's parent), in path order.")
  static final class Diff extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NEW", description = "REPO@REF[:/PATH]")
    String newFile;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OLD", description = "REPO@REF[:/PATH]")
    String oldFile;

    @Mixin Output output;

    @Override
    protected int run(TuskClient client) throws Exception {
      try (Stream<DiffFileResponse> changes = client.diffFile(newFile, oldFile)) {
        output.print(io(), changes.iterator(), DIFF_PRINTER);
      }
      return 0;
    }
  }
}
