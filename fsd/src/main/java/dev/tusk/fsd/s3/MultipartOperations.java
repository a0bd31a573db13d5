package dev.tusk.fsd.s3;

import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.tree.Entry;
import dev.tusk.fsd.version.Modification;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts and
 * ListMultipartUploads, over the parts {@link MultipartUploads} spools. Completing streams the
 * parts in order through one put, so the object is one commit (or lands in the branch's open
 * commit) and hashes like a plain put of the same bytes.
 */
final class MultipartOperations {
  private static final int COPY_BUFFER = 256 * 1024;

  private final Buckets buckets;
  private final MultipartUploads uploads;

  MultipartOperations(Buckets buckets, MultipartUploads uploads) {
    this.buckets = buckets;
    this.uploads = uploads;
  }

  void create(S3Exchange exchange) throws IOException {
    S3Request request = exchange.request();
    Bucket bucket = Bucket.parse(request.bucket());
    Buckets.path(request.key());
    if (Buckets.isDirectoryMarker(request.key())) {
      throw S3Exception.invalidArgument("Key '" + request.key() + "' names a directory: it cannot hold an upload");
    }
    buckets.checkWritable(bucket);
    MultipartUploads.Upload upload = uploads.create(bucket.name(), request.key());
    String xml = S3Xml.document("InitiateMultipartUploadResult")
        .element("Bucket", bucket.name())
        .element("Key", request.key())
        .element("UploadId", upload.id())
        .finish();
    exchange.sendXml(200, xml, null);
  }

  void uploadPart(S3Exchange exchange, S3Authenticator.Payload payload) throws IOException {
    S3Request request = exchange.request();
    if (request.header("x-amz-copy-source") != null) {
      throw S3Exception.notImplemented("UploadPartCopy");
    }
    int number = partNumber(request.param("partNumber"));
    MultipartUploads.Upload upload = uploads.get(request.param("uploadId"), request.bucket(), request.key());
    long declared = RequestBodies.declaredLength(request);
    if (declared > MultipartUploads.MAX_PART_BYTES) {
      throw new S3Exception("EntityTooLarge", 400, "A part holds at most 5 GiB, not " + declared + " bytes");
    }
    exchange.continueIfExpected();
    InputStream in = RequestBodies.open(exchange.body(), request, payload);
    MultipartUploads.Part part = uploads.putPart(upload, number, in);
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("ETag", "\"" + part.etag() + "\"");
    exchange.sendEmpty(200, headers, 0);
  }

  void complete(S3Exchange exchange, S3Authenticator.Payload payload) throws IOException {
    S3Request request = exchange.request();
    Bucket bucket = Bucket.parse(request.bucket());
    String key = request.key();
    String path = Buckets.path(key);
    MultipartUploads.Upload upload = uploads.get(request.param("uploadId"), request.bucket(), key);
    buckets.checkWritable(bucket);
    exchange.continueIfExpected();
    List<S3Xml.Part> wanted = S3Xml.parseCompleteMultipartUpload(ObjectOperations.readSmallBody(exchange, payload));
    Map<Integer, MultipartUploads.Part> stored = new HashMap<>();
    for (MultipartUploads.Part part : uploads.parts(upload)) {
      stored.put(part.number(), part);
    }
    int previous = 0;
    for (int i = 0; i < wanted.size(); i++) {
      S3Xml.Part part = wanted.get(i);
      if (part.number() <= previous) {
        throw new S3Exception("InvalidPartOrder", 400, "Parts must be listed in ascending order of their numbers");
      }
      previous = part.number();
      MultipartUploads.Part have = stored.get(part.number());
      String etag = part.etag().replace("\"", "");
      if (have == null || !have.etag().equals(etag)) {
        throw new S3Exception(
            "InvalidPart", 400,
            "Part " + part.number() + " with ETag " + part.etag() + " was not uploaded to " + upload.id());
      }
      if (i < wanted.size() - 1 && have.size() < MultipartUploads.MIN_PART_BYTES) {
        throw new S3Exception(
            "EntityTooSmall", 400,
            "Part " + part.number() + " has " + have.size() + " bytes; every part but the last needs 5 MiB");
      }
    }
    Modification change = buckets.pfs().modify(bucket.repo(), bucket.branch(), "S3 multipart upload " + key);
    change.put(path);
    byte[] buffer = new byte[COPY_BUFFER];
    for (S3Xml.Part part : wanted) {
      try (InputStream in = Files.newInputStream(stored.get(part.number()).file())) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          change.write(buffer, 0, n);
        }
      }
    }
    CommitRecord commit = change.commit();
    uploads.delete(upload);
    Entry written = buckets.pfs().lookup(commit, path);
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set("x-amz-tusk-commit", commit.id());
    String xml = S3Xml.document("CompleteMultipartUploadResult")
        .element("Location", "/" + bucket.name() + "/" + key)
        .element("Bucket", bucket.name())
        .element("Key", key)
        .element("ETag", Buckets.etag(written.hash()))
        .finish();
    exchange.sendXml(200, xml, headers);
  }

  void abort(S3Exchange exchange) throws IOException {
    S3Request request = exchange.request();
    MultipartUploads.Upload upload = uploads.get(request.param("uploadId"), request.bucket(), request.key());
    uploads.delete(upload);
    exchange.sendEmpty(204, null, 0);
  }

  void listParts(S3Exchange exchange) throws IOException {
    S3Request request = exchange.request();
    MultipartUploads.Upload upload = uploads.get(request.param("uploadId"), request.bucket(), request.key());
    int marker = request.param("part-number-marker") == null ? 0 : partNumberOrZero(request.param("part-number-marker"));
    int max = request.param("max-parts") == null ? 1000 : Math.min(1000, partNumberOrZero(request.param("max-parts")));
    S3Xml xml = S3Xml.document("ListPartsResult")
        .element("Bucket", upload.bucket())
        .element("Key", upload.key())
        .element("UploadId", upload.id())
        .element("PartNumberMarker", marker)
        .element("MaxParts", max);
    List<MultipartUploads.Part> parts = uploads.parts(upload).stream().filter(p -> p.number() > marker).toList();
    int shown = Math.min(max, parts.size());
    xml.element("IsTruncated", parts.size() > shown);
    if (parts.size() > shown && shown > 0) {
      xml.element("NextPartNumberMarker", parts.get(shown - 1).number());
    }
    for (MultipartUploads.Part part : parts.subList(0, shown)) {
      xml.start("Part")
          .element("PartNumber", part.number())
          .element("LastModified", S3Xml.time(part.modified()))
          .element("ETag", "\"" + part.etag() + "\"")
          .element("Size", part.size())
          .end();
    }
    exchange.sendXml(200, xml.finish(), null);
  }

  void listUploads(S3Exchange exchange) throws IOException {
    Bucket bucket = Bucket.parse(exchange.request().bucket());
    buckets.readCommit(bucket);
    S3Xml xml = S3Xml.document("ListMultipartUploadsResult")
        .element("Bucket", bucket.name())
        .element("IsTruncated", false);
    for (MultipartUploads.Upload upload : uploads.list(bucket.name())) {
      xml.start("Upload")
          .element("Key", upload.key())
          .element("UploadId", upload.id())
          .element("Initiated", S3Xml.time(upload.initiated()))
          .end();
    }
    exchange.sendXml(200, xml.finish(), null);
  }

  private static int partNumber(String text) {
    int n = partNumberOrZero(text);
    if (n < 1 || n > MultipartUploads.MAX_PART_NUMBER) {
      throw S3Exception.invalidArgument("partNumber must be from 1 to 10000, not '" + text + "'");
    }
    return n;
  }

  private static int partNumberOrZero(String text) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("'" + text + "' is not a number");
    }
  }
}
