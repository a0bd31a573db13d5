package dev.tusk.fsd.s3;

import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.tree.EntryType;
import dev.tusk.fsd.version.Modification;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * GetObject, HeadObject, PutObject, CopyObject, DeleteObject and DeleteObjects. Every write is one
 * {@link Modification}: its chunks are durable before the tree points at them, and it lands as one
 * commit of its own, or in the commit that is open on the branch.
 */
final class ObjectOperations {
  /** S3's limit for a single PutObject; larger objects go through multipart upload. */
  static final long MAX_PUT_BYTES = 5L << 30;
  private static final int COPY_BUFFER = 64 * 1024;
  private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final Buckets buckets;

  ObjectOperations(Buckets buckets) {
    this.buckets = buckets;
  }

  void get(S3Exchange exchange, boolean head) throws IOException {
    S3Request request = exchange.request();
    Bucket bucket = Bucket.parse(request.bucket());
    String path = Buckets.path(request.key());
    CommitRecord commit = buckets.readCommit(bucket);
    Entry file = commit == null ? null : find(commit, path).orElse(null);
    if (file == null || file.type() != EntryType.FILE || Buckets.isDirectoryMarker(request.key())) {
      throw S3Exception.noSuchKey(request.key());
    }
    String etag = Buckets.etag(file.hash());
    Instant modified = Buckets.modified(commit);
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("ETag", etag);
    headers.set("Last-Modified", HTTP_DATE.format(modified));
    headers.set("Accept-Ranges", "bytes");
    headers.set("Content-Type", "application/octet-stream");
    headers.set("x-amz-tusk-commit", commit.id());
    String ifMatch = request.header("If-Match");
    if (ifMatch != null && !matches(ifMatch, etag)) {
      throw new S3Exception("PreconditionFailed", 412, "If-Match " + ifMatch + " is not the ETag " + etag);
    }
    String ifNoneMatch = request.header("If-None-Match");
    if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
      exchange.sendEmpty(304, headers, 0);
      return;
    }
    long size = file.size();
    ByteRange range = ByteRange.parse(request.header("Range"), size);
    long first = range == null ? 0 : range.first();
    long length = range == null ? size : range.length();
    int status = range == null ? 200 : 206;
    if (range != null) {
      headers.set("Content-Range", range.contentRange(size));
    }
    if (head) {
      exchange.sendEmpty(status, headers, length);
      return;
    }
    exchange.startStream(status, headers, length);
    new ContentDownload(buckets.pfs().chunks(), file.content(), exchange.allocator())
        .send(first, length, exchange);
    exchange.endStream();
  }

  void put(S3Exchange exchange, S3Authenticator.Payload payload) throws IOException {
    S3Request request = exchange.request();
    Bucket bucket = Bucket.parse(request.bucket());
    String key = request.key();
    String path = Buckets.path(key);
    buckets.checkWritable(bucket);
    long declared = RequestBodies.declaredLength(request);
    if (declared > MAX_PUT_BYTES) {
      throw new S3Exception(
          "EntityTooLarge", 400,
          "A single PutObject takes at most 5 GiB; use a multipart upload for " + declared + " bytes");
    }
    if (declared < 0 && !"aws-chunked".equalsIgnoreCase(request.header("Content-Encoding"))
        && request.header("Transfer-Encoding") == null) {
      throw new S3Exception("MissingContentLength", 411, "PutObject needs a Content-Length");
    }
    exchange.continueIfExpected();
    InputStream in = RequestBodies.open(exchange.body(), request, payload);
    Modification change = buckets.pfs().modify(bucket.repo(), bucket.branch(), "S3 PutObject " + key);
    if (Buckets.isDirectoryMarker(key)) {
      if (in.read(new byte[1]) >= 0 || in.read() >= 0) {
        throw S3Exception.invalidArgument("Key '" + key + "' ends with '/': it names a directory, which holds no bytes");
      }
      Optional<Entry> existing = existing(bucket, path);
      if (existing.isEmpty()) {
        change.makeDir(path);
        change.commit();
      } else if (existing.get().type() == EntryType.FILE) {
        throw S3Exception.invalidArgument("Key '" + key + "' names a directory, but " + path + " is a file");
      }
      HttpHeaders headers = new DefaultHttpHeaders();
      headers.set("ETag", Buckets.etag(dev.tusk.fsd.tree.TreeRef.EMPTY.hash()));
      exchange.sendEmpty(200, headers, 0);
      return;
    }
    change.put(path);
    byte[] buffer = new byte[COPY_BUFFER];
    long total = 0;
    for (int n; (n = in.read(buffer)) >= 0; ) {
      total += n;
      if (total > MAX_PUT_BYTES) {
        throw new S3Exception("EntityTooLarge", 400, "A single PutObject takes at most 5 GiB");
      }
      change.write(buffer, 0, n);
    }
    CommitRecord commit = change.commit();
    Entry written = buckets.pfs().lookup(commit, path);
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("ETag", Buckets.etag(written.hash()));
    headers.set("x-amz-tusk-commit", commit.id());
    exchange.sendEmpty(200, headers, 0);
  }

  void copy(S3Exchange exchange) throws IOException {
    S3Request request = exchange.request();
    Bucket bucket = Bucket.parse(request.bucket());
    String path = Buckets.path(request.key());
    buckets.checkWritable(bucket);
    String source = request.header("x-amz-copy-source");
    String decoded = java.net.URLDecoder.decode(source.replace("+", "%2B"), StandardCharsets.UTF_8);
    int question = decoded.indexOf('?');
    if (question >= 0) {
      decoded = decoded.substring(0, question);
    }
    if (decoded.startsWith("/")) {
      decoded = decoded.substring(1);
    }
    int slash = decoded.indexOf('/');
    if (slash <= 0 || slash == decoded.length() - 1) {
      throw S3Exception.invalidArgument("x-amz-copy-source must be bucket/key, not '" + source + "'");
    }
    Bucket from = Bucket.parse(decoded.substring(0, slash));
    String fromKey = decoded.substring(slash + 1);
    String fromPath = Buckets.path(fromKey);
    CommitRecord fromCommit = buckets.readCommit(from);
    Entry sourceEntry = fromCommit == null ? null : find(fromCommit, fromPath).orElse(null);
    if (sourceEntry == null || sourceEntry.type() != EntryType.FILE) {
      throw S3Exception.noSuchKey(fromKey);
    }
    Modification change = buckets.pfs().modify(bucket.repo(), bucket.branch(), "S3 CopyObject " + request.key());
    // By reference from the exact commit read above: no bytes move.
    change.copy(from.repo() + "@" + fromCommit.id() + ":" + fromPath, path);
    CommitRecord commit = change.commit();
    Entry written = buckets.pfs().lookup(commit, path);
    String xml = S3Xml.document("CopyObjectResult")
        .element("LastModified", S3Xml.time(Buckets.modified(commit)))
        .element("ETag", Buckets.etag(written.hash()))
        .finish();
    exchange.sendXml(200, xml, null);
  }

  void delete(S3Exchange exchange) throws IOException {
    S3Request request = exchange.request();
    Bucket bucket = Bucket.parse(request.bucket());
    String key = request.key();
    String path = Buckets.path(key);
    buckets.checkWritable(bucket);
    if (deletable(bucket, key, path)) {
      Modification change = buckets.pfs().modify(bucket.repo(), bucket.branch(), "S3 DeleteObject " + key);
      change.delete(path);
      change.commit();
    }
    exchange.sendEmpty(204, null, 0);
  }

  void deleteMany(S3Exchange exchange, S3Authenticator.Payload payload) throws IOException {
    S3Request request = exchange.request();
    Bucket bucket = Bucket.parse(request.bucket());
    buckets.checkWritable(bucket);
    exchange.continueIfExpected();
    S3Xml.DeleteRequest delete = S3Xml.parseDelete(readSmallBody(exchange, payload));
    List<String> deleted = new ArrayList<>();
    List<String[]> errors = new ArrayList<>();
    Modification change = null;
    for (String key : delete.keys()) {
      String path;
      try {
        path = Buckets.path(key);
      } catch (S3Exception e) {
        errors.add(new String[] {key, e.code(), e.getMessage()});
        continue;
      }
      if (deletable(bucket, key, path)) {
        if (change == null) {
          change = buckets.pfs().modify(bucket.repo(), bucket.branch(), "S3 DeleteObjects");
        }
        change.delete(path);
      }
      deleted.add(key);
    }
    if (change != null) {
      change.commit();
    }
    S3Xml xml = S3Xml.document("DeleteResult");
    if (!delete.quiet()) {
      for (String key : deleted) {
        xml.start("Deleted").element("Key", key).end();
      }
    }
    for (String[] error : errors) {
      xml.start("Error").element("Key", error[0]).element("Code", error[1]).element("Message", error[2]).end();
    }
    exchange.sendXml(200, xml.finish(), null);
  }

  /** Reads an XML request body, refusing one larger than S3Xml allows. */
  static byte[] readSmallBody(S3Exchange exchange, S3Authenticator.Payload payload) throws IOException {
    InputStream in = RequestBodies.open(exchange.body(), exchange.request(), payload);
    byte[] body = in.readNBytes(S3Xml.MAX_REQUEST_BYTES + 1);
    if (body.length > S3Xml.MAX_REQUEST_BYTES) {
      throw S3Exception.malformedXml("The XML body is larger than " + S3Xml.MAX_REQUEST_BYTES + " bytes");
    }
    in.transferTo(java.io.OutputStream.nullOutputStream());
    return body;
  }

  /**
   * Whether deleting {@code key} changes anything: a file is there, or for a directory marker an
   * empty directory. S3 answers a delete of a missing key with success too, so neither case fails.
   */
  private boolean deletable(Bucket bucket, String key, String path) {
    Optional<Entry> entry = existing(bucket, path);
    if (entry.isEmpty()) {
      return false;
    }
    if (Buckets.isDirectoryMarker(key)) {
      return entry.get().type() == EntryType.DIR
          && buckets.pfs().listFile(buckets.readCommit(bucket), path).findAny().isEmpty();
    }
    return entry.get().type() == EntryType.FILE;
  }

  private Optional<Entry> existing(Bucket bucket, String path) {
    CommitRecord commit = buckets.readCommit(bucket);
    return commit == null ? Optional.empty() : find(commit, path);
  }

  private Optional<Entry> find(CommitRecord commit, String path) {
    try {
      return Optional.of(buckets.pfs().lookup(commit, path));
    } catch (PfsException e) {
      if (e.code() == ErrorCode.FILE_NOT_FOUND || e.code() == ErrorCode.NOT_A_DIRECTORY) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** An If-Match / If-None-Match list: {@code *}, or ETags with or without quotes. */
  private static boolean matches(String header, String etag) {
    for (String candidate : header.split(",")) {
      String c = candidate.strip();
      if (c.startsWith("W/")) {
        c = c.substring(2);
      }
      if (c.equals("*") || c.equals(etag) || ("\"" + c + "\"").equals(etag)) {
        return true;
      }
    }
    return false;
  }
}
