package dev.tusk.cli;

import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ContentWriter;
import dev.tusk.chunkstore.FileContent;
import dev.tusk.chunkstore.FileContentCodec;
import dev.tusk.chunkstore.ObjectStores;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Plumbing over the chunk store, like git's hash-object and cat-file: put files in by content,
 * get them back by content hash. Each stored file gets a small manifest object, {@code
 * files/<hash>}, listing its data refs.
 */
@Command(
    name = "store",
    description = "Put files into the chunk store by content, and get them back by hash.",
    subcommands = {StoreCommand.Put.class, StoreCommand.Get.class})
final class StoreCommand {
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  /** Where the store is: {@code --store URL}, else {@code file://<data>/store}. */
  static final class Location {
    @Option(
        names = "--data",
        description = "Data directory (default: $TUSK_DATA or ~/.tusk).",
        paramLabel = "DIR")
    Path data;

    @Option(
        names = "--store",
        description = "Object store URL: file:///dir, s3://bucket/prefix?endpoint=..., azblob://..., mem://",
        paramLabel = "URL")
    String store;

    ChunkStore open() throws IOException {
      return new ChunkStore(ObjectStores.open(url()), ChunkStoreConfig.defaults());
    }

    private String url() throws IOException {
      if (store != null) {
        return store;
      }
      Path dir = data;
      if (dir == null) {
        String env = System.getenv("TUSK_DATA");
        dir = env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".tusk");
      }
      return Files.createDirectories(dir.toAbsolutePath().resolve("store")).toUri().toString();
    }
  }

  @Command(name = "put", description = "Store files; prints each one's content hash, size and path.")
  static final class Put implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin Location location = new Location();

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files to store.")
    List<Path> files;

    @Override
    public Integer call() throws IOException {
      for (Path file : files) {
        if (!Files.isRegularFile(file)) {
          throw new NoSuchFileException(file.toString(), null, "not a regular file");
        }
      }
      try (ChunkStore store = location.open()) {
        List<CompletableFuture<FileContent>> contents = new ArrayList<>();
        try (ContentWriter writer = store.newWriter()) {
          for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
              contents.add(writer.write(in));
            }
          }
        } // flushed: every chunk is durable before any manifest names it
        for (int i = 0; i < files.size(); i++) {
          FileContent content = contents.get(i).join();
          store.objects().put("files/" + content.hash(), FileContentCodec.encode(content));
          spec.commandLine()
              .getOut()
              .printf("%s  %d  %s%n", content.hash(), content.size(), files.get(i));
        }
      }
      return 0;
    }
  }

  @Command(name = "get", description = "Write a stored file's bytes to stdout or a file.")
  static final class Get implements Callable<Integer> {
    @Mixin Location location = new Location();

    @Parameters(index = "0", paramLabel = "HASH", description = "Content hash printed by put.")
    String hash;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FILE",
        description = "Write here instead of stdout.")
    Path output;

    @Override
    public Integer call() throws IOException {
      if (!HASH.matcher(hash).matches()) {
        throw new IllegalArgumentException(
            "Invalid content hash '" + hash + "': expected 64 lowercase hex digits");
      }
      try (ChunkStore store = location.open()) {
        FileContent content;
        try {
          content = FileContentCodec.decode(store.objects().get("files/" + hash));
        } catch (NoSuchFileException e) {
          throw new IllegalArgumentException("No stored file has content hash " + hash);
        }
        InputStream in = store.reader(content).stream();
        if (output == null) {
          in.transferTo(System.out);
          System.out.flush();
        } else {
          try (OutputStream out = Files.newOutputStream(output)) {
            in.transferTo(out);
          }
        }
      }
      return 0;
    }
  }
}
