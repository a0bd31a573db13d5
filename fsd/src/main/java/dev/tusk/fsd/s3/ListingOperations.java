package dev.tusk.fsd.s3;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tusk.api.ErrorCode;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.BranchRecord;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.store.RepoRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * ListBuckets, HeadBucket, CreateBucket, GetBucketLocation and ListObjects (v1 and v2).
 *
 * <p>Pages: a v2 continuation token names the commit listed and the last key returned, so a later
 * page reads the same commit even if the branch moved on. The walker of a page that ended early is
 * kept for a short while under its token, so paging through a 100,000-key directory costs one walk
 * rather than one walk from the start per page.
 */
final class ListingOperations {
  private static final int MAX_KEYS = 1000;

  private final Buckets buckets;
  /** Walkers parked between pages; taken out (not shared) while a page is listed. */
  private final Cache<String, KeyWalker> parked =
      Caffeine.newBuilder().maximumSize(256).expireAfterAccess(Duration.ofMinutes(2)).build();

  ListingOperations(Buckets buckets) {
    this.buckets = buckets;
  }

  void listBuckets(S3Exchange exchange) {
    S3Xml xml = S3Xml.document("ListAllMyBucketsResult");
    xml.start("Owner").element("ID", "tusk").element("DisplayName", "tusk").end();
    xml.start("Buckets");
    for (RepoRecord repo : buckets.pfs().listRepos()) {
      for (BranchRecord branch : buckets.pfs().listBranches(repo.name())) {
        xml.start("Bucket")
            .element("Name", branch.name() + "." + repo.name())
            .element("CreationDate", S3Xml.time(repo.created()))
            .end();
      }
    }
    exchange.sendXml(200, xml.finish(), null);
  }

  void headBucket(S3Exchange exchange) {
    Bucket bucket = Bucket.parse(exchange.request().bucket());
    buckets.readCommit(bucket);
    exchange.sendEmpty(200, null, 0);
  }

  void location(S3Exchange exchange) {
    buckets.readCommit(Bucket.parse(exchange.request().bucket()));
    exchange.sendXml(200, S3Xml.document("LocationConstraint").finish(), null);
  }

  /**
   * CreateBucket makes the repo and the branch when they are missing (a new branch has no commits,
   * so the bucket is empty); an existing branch answers 200, as S3 does in us-east-1 for a bucket
   * one owns. Commit buckets cannot be created.
   */
  void createBucket(S3Exchange exchange) throws java.io.IOException {
    Bucket bucket = Bucket.parse(exchange.request().bucket());
    if (bucket.readOnly()) {
      throw S3Exception.accessDenied("Commit buckets exist as commits; they cannot be created");
    }
    // The body, if any, is a CreateBucketConfiguration whose region is of no use here.
    exchange.body().transferTo(java.io.OutputStream.nullOutputStream());
    try {
      buckets.pfs().inspectRepo(bucket.repo());
    } catch (PfsException e) {
      if (e.code() != ErrorCode.REPO_NOT_FOUND) {
        throw e;
      }
      buckets.pfs().createRepo(bucket.repo(), "Created through the S3 gateway", false);
    }
    try {
      buckets.pfs().inspectBranch(bucket.repo(), bucket.branch());
    } catch (PfsException e) {
      if (e.code() != ErrorCode.BRANCH_NOT_FOUND) {
        throw e;
      }
      buckets.pfs().createBranch(bucket.repo(), bucket.branch(), "", java.util.List.of());
    }
    io.netty.handler.codec.http.HttpHeaders headers = new io.netty.handler.codec.http.DefaultHttpHeaders();
    headers.set("Location", "/" + bucket.name());
    exchange.sendEmpty(200, headers, 0);
  }

  void list(S3Exchange exchange, boolean v2) {
    S3Request request = exchange.request();
    Bucket bucket = Bucket.parse(request.bucket());
    String prefix = nonNull(request.param("prefix"));
    String delimiter = request.param("delimiter");
    int maxKeys = maxKeys(request.param("max-keys"));
    boolean urlEncode = "url".equals(request.param("encoding-type"));
    if (request.param("encoding-type") != null && !urlEncode) {
      throw S3Exception.invalidArgument("encoding-type must be url");
    }
    CommitRecord commit = buckets.readCommit(bucket);
    String token = v2 ? request.param("continuation-token") : null;
    String after;
    if (token != null) {
      Token parsed = Token.parse(token);
      after = parsed.after();
      if (commit != null && !parsed.commit().equals(commit.id())) {
        commit = buckets.pfs().resolve(bucket.repo() + "@" + parsed.commit());
      }
    } else {
      after = v2 ? request.param("start-after") : request.param("marker");
    }
    KeyWalker walker = null;
    String parkKey = null;
    if (commit != null) {
      parkKey = commit.id() + "\0" + prefix + "\0" + delimiter + "\0" + nonNull(after);
      walker = parked.asMap().remove(parkKey);
      if (walker == null) {
        walker = new KeyWalker(buckets.pfs(), commit, prefix, delimiter, after);
      }
    }
    S3Xml xml = S3Xml.document("ListBucketResult");
    xml.element("Name", bucket.name())
        .element("Prefix", encode(prefix, urlEncode));
    if (v2) {
      xml.element("StartAfter", encode(request.param("start-after"), urlEncode));
      xml.element("ContinuationToken", token);
    } else {
      xml.element("Marker", encode(nonNull(request.param("marker")), urlEncode));
    }
    xml.element("MaxKeys", maxKeys).element("Delimiter", encode(delimiter, urlEncode));
    if (urlEncode) {
      xml.element("EncodingType", "url");
    }
    int count = 0;
    StringBuilder prefixes = new StringBuilder();
    S3Xml contents = xml;
    String lastKey = null;
    String modified = commit == null ? null : S3Xml.time(Buckets.modified(commit));
    java.util.List<KeyWalker.Item> common = new java.util.ArrayList<>();
    while (walker != null && count < maxKeys && walker.hasNext()) {
      KeyWalker.Item item = walker.next();
      count++;
      lastKey = item.key();
      if (item.isPrefix()) {
        common.add(item);
        continue;
      }
      contents.start("Contents")
          .element("Key", encode(item.key(), urlEncode))
          .element("LastModified", modified)
          .element("ETag", Buckets.etag(item.entry().hash()))
          .element("Size", item.entry().size())
          .element("StorageClass", "STANDARD");
      if (!v2 || "true".equals(request.param("fetch-owner"))) {
        contents.start("Owner").element("ID", "tusk").element("DisplayName", "tusk").end();
      }
      contents.end();
    }
    boolean truncated = walker != null && walker.hasNext();
    for (KeyWalker.Item item : common) {
      xml.start("CommonPrefixes").element("Prefix", encode(item.key(), urlEncode)).end();
    }
    xml.element("IsTruncated", truncated);
    if (v2) {
      xml.element("KeyCount", count);
      if (truncated) {
        xml.element("NextContinuationToken", new Token(commit.id(), lastKey).encode());
      }
    } else if (truncated) {
      xml.element("NextMarker", encode(lastKey, urlEncode));
    }
    if (truncated) {
      parked.put(commit.id() + "\0" + prefix + "\0" + delimiter + "\0" + lastKey, walker);
    }
    exchange.sendXml(200, xml.finish(), null);
  }

  /** A v2 continuation token: the commit listed and the last key returned. */
  record Token(String commit, String after) {
    String encode() {
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString((commit + "/" + after).getBytes(StandardCharsets.UTF_8));
    }

    static Token parse(String token) {
      try {
        String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        int slash = text.indexOf('/');
        if (slash != 32) {
          throw new IllegalArgumentException();
        }
        return new Token(text.substring(0, slash), text.substring(slash + 1));
      } catch (IllegalArgumentException e) {
        throw S3Exception.invalidArgument("The continuation token '" + token + "' is not one this gateway gave out");
      }
    }
  }

  private static int maxKeys(String param) {
    if (param == null) {
      return MAX_KEYS;
    }
    try {
      int n = Integer.parseInt(param);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.min(n, MAX_KEYS);
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("max-keys must be a non-negative number, not '" + param + "'");
    }
  }

  private static String encode(String text, boolean url) {
    return text == null || !url ? text : SigV4.uriEncode(text, false);
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }
}
