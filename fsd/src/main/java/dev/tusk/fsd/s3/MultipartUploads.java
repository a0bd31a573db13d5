package dev.tusk.fsd.s3;

import dev.tusk.fsd.version.Pfs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where unfinished multipart uploads live: spooled to disk under the daemon's data directory, one
 * directory per upload ({@code <id>/upload.properties} naming the bucket and key, and one file per
 * part, {@code part-<number>-<md5>}).
 *
 * <p>Why spool rather than chunk parts into the store as they arrive: a file's content hash is
 * defined over the chunks the whole file gets from content-defined chunking, and chunk boundaries
 * of separately chunked parts would not be those of the whole, so the completed object would need
 * re-chunking anyway (and parts never completed would leave orphan chunks in the store). At
 * CompleteMultipartUpload the parts are streamed, in order, through one put: the object's hash is
 * that of a plain put of the same bytes, and its chunks are durable before the commit names them.
 *
 * <p>Durability: a part is written to a temporary file, fsynced and renamed before UploadPart is
 * acknowledged, so uploads survive a daemon restart and can be completed or aborted after it.
 * Temporary files of interrupted parts are removed at startup, and so are uploads untouched for
 * {@link #ABANDONED_AFTER}. Nothing here is visible in any repo until the upload completes.
 * Daemons sharing a database do not share this directory: a multipart upload must go to one daemon.
 */
final class MultipartUploads {
  private static final Logger LOG = LoggerFactory.getLogger(MultipartUploads.class);
  static final Duration ABANDONED_AFTER = Duration.ofDays(7);
  static final int MAX_PART_NUMBER = 10_000;
  static final long MAX_PART_BYTES = 5L << 30;
  /** S3's minimum for every part but the last. */
  static final long MIN_PART_BYTES = 5L << 20;
  private static final Pattern PART = Pattern.compile("part-(\\d{5})-([0-9a-f]{32})");
  private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{32}");
  private static final String INFO = "upload.properties";

  private final Path root;

  private MultipartUploads(Path root) {
    this.root = root;
  }

  /** One upload's identity. */
  record Upload(String id, String bucket, String key, Instant initiated) {}

  /** A stored part. */
  record Part(int number, String etag, long size, Instant modified, Path file) {}

  static MultipartUploads open(Path root) throws IOException {
    Files.createDirectories(root);
    MultipartUploads uploads = new MultipartUploads(root);
    uploads.sweep();
    return uploads;
  }

  Upload create(String bucket, String key) throws IOException {
    String id = Pfs.newId();
    Path dir = root.resolve(id);
    Files.createDirectory(dir);
    Properties info = new Properties();
    info.setProperty("bucket", bucket);
    info.setProperty("key", key);
    Instant now = Instant.now();
    info.setProperty("initiated", now.toString());
    Path tmp = dir.resolve(INFO + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      info.store(out, "Tusk S3 multipart upload");
    }
    fsync(tmp);
    Files.move(tmp, dir.resolve(INFO), StandardCopyOption.ATOMIC_MOVE);
    fsync(dir);
    return new Upload(id, bucket, key, now);
  }

  /** The upload {@code id} of {@code bucket}/{@code key}, or NoSuchUpload. */
  Upload get(String id, String bucket, String key) throws IOException {
    Upload upload = read(id);
    if (upload == null || !upload.bucket().equals(bucket) || !upload.key().equals(key)) {
      throw noSuchUpload(id);
    }
    return upload;
  }

  List<Upload> list(String bucket) throws IOException {
    List<Upload> found = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path dir : dirs) {
        Upload upload = read(dir.getFileName().toString());
        if (upload != null && upload.bucket().equals(bucket)) {
          found.add(upload);
        }
      }
    }
    found.sort(Comparator.comparing(Upload::key).thenComparing(Upload::initiated));
    return found;
  }

  /** Stores a part from {@code in} (read to its end), replacing one with the same number. */
  Part putPart(Upload upload, int number, InputStream in) throws IOException {
    if (number < 1 || number > MAX_PART_NUMBER) {
      throw S3Exception.invalidArgument("Part numbers go from 1 to 10000, not " + number);
    }
    Path dir = root.resolve(upload.id());
    Path tmp = Files.createTempFile(dir, "part-", ".tmp");
    MessageDigest md5 = md5();
    long size = 0;
    try {
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        byte[] buffer = new byte[256 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
          size += n;
          if (size > MAX_PART_BYTES) {
            throw new S3Exception("EntityTooLarge", 400, "A part holds at most 5 GiB");
          }
          md5.update(buffer, 0, n);
          java.nio.ByteBuffer view = java.nio.ByteBuffer.wrap(buffer, 0, n);
          while (view.hasRemaining()) {
            out.write(view);
          }
        }
        out.force(true);
      }
      String etag = SigV4.hex(md5.digest());
      Path target = dir.resolve(String.format("part-%05d-%s", number, etag));
      if (!Files.isDirectory(dir)) {
        throw noSuchUpload(upload.id());
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      for (Part old : parts(upload)) {
        if (old.number() == number && !old.file().equals(target)) {
          Files.deleteIfExists(old.file());
        }
      }
      fsync(dir);
      return new Part(number, etag, size, Instant.now(), target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The upload's parts by number. */
  List<Part> parts(Upload upload) throws IOException {
    List<Part> parts = new ArrayList<>();
    try (Stream<Path> files = Files.list(root.resolve(upload.id()))) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Matcher m = PART.matcher(file.getFileName().toString());
        if (m.matches()) {
          try {
            parts.add(new Part(
                Integer.parseInt(m.group(1)), m.group(2), Files.size(file),
                Files.getLastModifiedTime(file).toInstant(), file));
          } catch (NoSuchFileException e) {
            // replaced meanwhile
          }
        }
      }
    } catch (NoSuchFileException e) {
      throw noSuchUpload(upload.id());
    }
    parts.sort(Comparator.comparingInt(Part::number));
    return parts;
  }

  /** Removes an upload and its parts. */
  void delete(Upload upload) throws IOException {
    deleteTree(root.resolve(upload.id()));
  }

  private Upload read(String id) throws IOException {
    if (!UPLOAD_ID.matcher(id).matches()) {
      return null;
    }
    Path file = root.resolve(id).resolve(INFO);
    Properties info = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      info.load(new java.io.InputStreamReader(in, StandardCharsets.ISO_8859_1));
    } catch (NoSuchFileException e) {
      return null;
    }
    return new Upload(id, info.getProperty("bucket"), info.getProperty("key"),
        Instant.parse(info.getProperty("initiated")));
  }

  /** Drops interrupted part files, half-created uploads, and uploads abandoned for a week. */
  private void sweep() throws IOException {
    Instant cutoff = Instant.now().minus(ABANDONED_AFTER);
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path dir : dirs) {
        try {
          Upload upload = read(dir.getFileName().toString());
          if (upload == null || Files.getLastModifiedTime(dir).toInstant().isBefore(cutoff)) {
            LOG.info("Removing {} S3 multipart upload {}", upload == null ? "an unfinished" : "an abandoned", dir);
            deleteTree(dir);
            continue;
          }
          try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
              if (file.getFileName().toString().endsWith(".tmp")) {
                Files.deleteIfExists(file);
              }
            }
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("Cannot check S3 multipart upload {}: {}", dir, e.toString());
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void fsync(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is missing from this JDK", e);
    }
  }

  static S3Exception noSuchUpload(String id) {
    return new S3Exception(
        "NoSuchUpload", 404,
        "The multipart upload '" + id + "' does not exist: it may have been completed or aborted");
  }
}
