package dev.tusk.cli;

import dev.tusk.api.FileUpload;
import dev.tusk.api.TuskClient;
import dev.tusk.chunkstore.ChunkStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code put file}: local files, directory trees, stdin and http(s) URLs, all sent in one {@code
 * ModifyFile} stream, so one put is one commit (or goes into the branch's open commit). Trees are
 * walked in name order and streamed as they are read; gRPC flow control keeps memory bounded.
 *
 * <p>Where things land: with no path, a source keeps its name under {@code /}; with a path, a
 * single file or URL goes to exactly that path (or under it when it ends in {@code /}), a single
 * directory's contents go under it, and several sources go under it by name. Symbolic links to
 * files are followed; links to directories are skipped, so a walk cannot loop.
 */
@Command(
    name = "file",
    description = "Put files into a repo: one commit, or into the branch's open commit.")
final class PutFileCommand extends ClientCommand {
  @Parameters(paramLabel = "REPO@BRANCH[:/PATH]", description = "Where the files go.")
  String target;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "SOURCE",
      description = "A local file, a directory (with -r), - for stdin, or an http(s) URL; repeat for several.")
  List<String> sources;

  @Option(names = {"-r", "--recursive"}, description = "Put directories with everything under them.")
  boolean recursive;

  @Option(names = {"-m", "--message"}, paramLabel = "TEXT", description = "The commit's description.")
  String message;

  private Refs.BranchPath destination;

  /**
   * Where local files go: streamed to the daemon ({@link ReadAhead}) or chunked here into the
   * daemon's store ({@link DirectUpload}). One thread calls it, in the order files are put.
   */
  interface Sender extends AutoCloseable {
    /** Puts {@code file} (of about {@code size} bytes) at {@code destination}. */
    void put(String destination, Path file, long size) throws IOException;

    /** Sends everything put so far; call before anything else goes into the upload. */
    void finish() throws IOException;

    /**
     * File bytes taken so far, with those streamed beside (stdin, URLs); safe to read from another
     * thread (a progress display).
     */
    long bytesRead();

    /** Drops what was not sent. */
    @Override
    void close();
  }

  @Override
  protected int run(TuskClient client) throws Exception {
    destination = Refs.branchPath(target);
    List<Path> directories = new ArrayList<>();
    long knownBytes = check(directories);
    Io io = io();
    // Only local files can go the direct way: stdin and URLs cannot be read twice, should the
    // direct way fail and the put be retried as a stream.
    boolean local = sources.stream().noneMatch(s -> s.equals("-") || isUrl(s));
    ChunkStore store = local ? DirectStore.open(client, address(), io, DirectStore.Access.WRITE) : null;
    if (store != null) {
      try (store) {
        put(client, store, directories, knownBytes, io);
        return 0;
      } catch (IOException e) {
        if ("on".equalsIgnoreCase(io.getenv(DirectStore.ENV))) {
          throw e;
        }
        // Nothing of the cancelled upload is applied; its chunks stay unreferenced. Stream instead.
      }
    }
    put(client, null, directories, knownBytes, io);
    return 0;
  }

  /** One upload of every source: chunked into {@code store} when given, else streamed. */
  private void put(TuskClient client, ChunkStore store, List<Path> directories, long knownBytes, Io io)
      throws IOException, InterruptedException {
    try (FileUpload upload = client.modifyFile(destination.repo(), destination.branch(), message);
        Sender files = store != null ? new DirectUpload(store, upload) : new ReadAhead(upload);
        ProgressBar progress = ProgressBar.start(
            io, "put " + destination.ref(), files::bytesRead,
            directories.isEmpty() ? knownBytes : -1)) {
      if (io.terminal() && !directories.isEmpty() && knownBytes >= 0) {
        measureInBackground(directories, knownBytes, progress);
      }
      for (String source : sources) {
        put(upload, files, source, io);
      }
      files.finish();
      upload.finish();
    }
  }

  /**
   * Refuses what cannot be put before anything is sent, and collects the directories to walk.
   * Returns the size of the plain files, or -1 when some source's size is unknown (stdin, URLs).
   */
  private long check(List<Path> directories) throws IOException {
    long bytes = 0;
    for (String source : sources) {
      if (source.equals("-")) {
        if (sources.size() > 1 || destination.path() == null || destination.path().endsWith("/")) {
          throw new IllegalArgumentException(
              "-f - (stdin) needs a file path: REPO@BRANCH:/PATH, and no other -f");
        }
        bytes = -1;
      } else if (isUrl(source)) {
        bytes = -1;
      } else {
        Path path = Path.of(source);
        BasicFileAttributes attributes;
        try {
          attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
          throw new NoSuchFileException(source);
        }
        if (attributes.isDirectory()) {
          if (!recursive) {
            throw new IllegalArgumentException("'" + source + "' is a directory: use -r to put it");
          }
          directories.add(path);
        } else if (bytes >= 0) {
          bytes += attributes.size();
        }
      }
    }
    return bytes;
  }

  private void put(FileUpload upload, Sender files, String source, Io io)
      throws IOException, InterruptedException {
    if (source.equals("-")) {
      upload.put(destination.path(), io.in(), -1);
    } else if (isUrl(source)) {
      files.finish();
      putUrl(upload, source);
    } else {
      Path path = Path.of(source);
      if (Files.isDirectory(path)) {
        putTree(files, path, directoryDestination(path));
      } else {
        files.put(fileDestination(name(path)), path, Files.size(path));
      }
    }
  }

  /** Puts every file under {@code dir}, in name order, depth first. */
  private static void putTree(Sender files, Path dir, String prefix) throws IOException {
    for (String name : sortedNames(dir)) {
      Path entry = dir.resolve(name);
      BasicFileAttributes attributes =
          Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (attributes.isSymbolicLink()) {
        attributes = followed(entry);
        if (attributes == null || !attributes.isRegularFile()) {
          continue;
        }
      }
      if (attributes.isDirectory()) {
        putTree(files, entry, Refs.join(prefix, name));
      } else if (attributes.isRegularFile()) {
        files.put(Refs.join(prefix, name), entry, attributes.size());
      }
    }
  }

  /** The names in {@code dir}, sorted once as strings (not as Paths, which is far slower). */
  private static List<String> sortedNames(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path entry : stream) {
        names.add(entry.getFileName().toString());
      }
    }
    names.sort(null);
    return names;
  }

  private static BasicFileAttributes followed(Path link) {
    try {
      return Files.readAttributes(link, BasicFileAttributes.class);
    } catch (IOException dangling) {
      return null;
    }
  }

  private void putUrl(FileUpload upload, String url) throws IOException, InterruptedException {
    URI uri = URI.create(url);
    String path = uri.getPath() == null ? "" : uri.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    if (name.isEmpty() && (destination.path() == null || destination.path().endsWith("/") || sources.size() > 1)) {
      throw new IllegalArgumentException("'" + url + "' names no file: give a path, REPO@BRANCH:/PATH");
    }
    HttpClient http = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
    HttpResponse<InputStream> response =
        http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      if (response.statusCode() / 100 != 2) {
        throw new IOException("Cannot fetch " + url + ": HTTP " + response.statusCode());
      }
      long size = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      upload.put(fileDestination(name), body, size);
    }
  }

  private String fileDestination(String name) {
    String path = destination.path();
    if (path == null) {
      return "/" + name;
    }
    return sources.size() > 1 || path.endsWith("/") ? Refs.join(path, name) : path;
  }

  private String directoryDestination(Path dir) {
    String path = destination.path();
    if (path != null && sources.size() == 1) {
      return path;
    }
    return Refs.join(path == null ? "/" : path, name(dir));
  }

  /** A source's own name; empty for the root directory. */
  private static String name(Path path) {
    Path name = path.toAbsolutePath().normalize().getFileName();
    return name == null ? "" : name.toString();
  }

  private static boolean isUrl(String source) {
    return source.startsWith("http://") || source.startsWith("https://");
  }

  /** Adds up the trees' sizes beside the upload, so that the bar can show a percentage. */
  private static void measureInBackground(List<Path> directories, long plainBytes, ProgressBar progress) {
    Thread sizer = new Thread(() -> {
      long total = plainBytes;
      try {
        for (Path dir : directories) {
          try (var files = Files.walk(dir)) {
            total += files.filter(Files::isRegularFile).mapToLong(PutFileCommand::sizeOrZero).sum();
          }
        }
        progress.total(total);
      } catch (IOException | RuntimeException e) {
        // Only the percentage is lost; the upload reports its own errors.
      }
    }, "tusk-put-size");
    sizer.setDaemon(true);
    sizer.start();
  }

  private static long sizeOrZero(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }
}
