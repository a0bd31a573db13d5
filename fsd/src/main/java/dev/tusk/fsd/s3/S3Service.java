package dev.tusk.fsd.s3;

import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.version.Pfs;
import java.io.IOException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each request, on a worker thread, to the operation its method, path and query name; turns
 * every failure into S3's XML error with the right code and status. Authentication comes first:
 * nothing of a request is acted on before its signature checks out.
 */
final class S3Service {
  private static final Logger LOG = LoggerFactory.getLogger(S3Service.class);
  /** Bucket and object subresources the gateway does not serve. */
  private static final Set<String> UNSUPPORTED = Set.of(
      "acl", "policy", "versioning", "versions", "lifecycle", "tagging", "cors", "website",
      "encryption", "object-lock", "replication", "notification", "logging", "requestPayment",
      "accelerate", "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock",
      "retention", "legal-hold", "torrent", "restore", "select", "attributes", "intelligent-tiering");

  private final S3Authenticator auth;
  private final ListingOperations listing;
  private final ObjectOperations objects;
  private final MultipartOperations multipart;

  S3Service(Pfs pfs, S3Authenticator auth, MultipartUploads uploads) {
    Buckets buckets = new Buckets(pfs);
    this.auth = auth;
    this.listing = new ListingOperations(buckets);
    this.objects = new ObjectOperations(buckets);
    this.multipart = new MultipartOperations(buckets, uploads);
  }

  void handle(S3Exchange exchange) {
    S3Request request = exchange.request();
    try {
      S3Authenticator.Payload payload = auth.verify(request);
      route(exchange, request, payload);
    } catch (S3Exception e) {
      fail(exchange, e);
    } catch (AwsChunkedStream.S3ExceptionInBody e) {
      fail(exchange, e.error());
    } catch (PfsException e) {
      S3Exception mapped = S3Errors.fromPfs(e, request.bucket(), request.key());
      if (mapped.status() >= 500) {
        LOG.warn("S3 {} {} failed", request.method(), request.path(), e);
      }
      fail(exchange, mapped);
    } catch (IOException e) {
      // Mostly a client that went away mid-body or mid-download; nothing was committed.
      LOG.debug("S3 {} {} ended early: {}", request.method(), request.path(), e.toString());
      if (exchange.headersSent() || !exchange.body().ended() && e.getMessage() != null
          && e.getMessage().contains("closed the connection")) {
        exchange.abort();
      } else {
        LOG.warn("S3 {} {} failed", request.method(), request.path(), e);
        fail(exchange, new S3Exception("InternalError", 500, e.getMessage(), e));
      }
    } catch (RuntimeException | Error e) {
      LOG.error("S3 {} {} failed", request.method(), request.path(), e);
      fail(exchange, new S3Exception("InternalError", 500, String.valueOf(e.getMessage()), e));
    }
  }

  private void route(S3Exchange exchange, S3Request request, S3Authenticator.Payload payload)
      throws IOException {
    String method = request.method();
    for (String param : request.query().keySet()) {
      if (UNSUPPORTED.contains(param)) {
        throw S3Exception.notImplemented("The '" + param + "' subresource");
      }
    }
    if (request.bucket() == null) {
      if (method.equals("GET")) {
        listing.listBuckets(exchange);
        return;
      }
      throw methodNotAllowed(method, "the service");
    }
    if (request.key() == null) {
      switch (method) {
        case "GET" -> {
          if (request.has("location")) {
            listing.location(exchange);
          } else if (request.has("uploads")) {
            multipart.listUploads(exchange);
          } else {
            listing.list(exchange, "2".equals(request.param("list-type")));
          }
        }
        case "HEAD" -> listing.headBucket(exchange);
        case "PUT" -> listing.createBucket(exchange);
        case "POST" -> {
          if (!request.has("delete")) {
            throw methodNotAllowed(method, "a bucket");
          }
          objects.deleteMany(exchange, payload);
        }
        case "DELETE" -> throw S3Exception.notImplemented("DeleteBucket (delete the branch with tusk)");
        default -> throw methodNotAllowed(method, "a bucket");
      }
      return;
    }
    switch (method) {
      case "GET" -> {
        if (request.has("uploadId")) {
          multipart.listParts(exchange);
        } else {
          objects.get(exchange, false);
        }
      }
      case "HEAD" -> objects.get(exchange, true);
      case "PUT" -> {
        if (request.has("uploadId") || request.has("partNumber")) {
          multipart.uploadPart(exchange, payload);
        } else if (request.header("x-amz-copy-source") != null) {
          objects.copy(exchange);
        } else {
          objects.put(exchange, payload);
        }
      }
      case "POST" -> {
        if (request.has("uploads")) {
          multipart.create(exchange);
        } else if (request.has("uploadId")) {
          multipart.complete(exchange, payload);
        } else {
          throw methodNotAllowed(method, "an object");
        }
      }
      case "DELETE" -> {
        if (request.has("uploadId")) {
          multipart.abort(exchange);
        } else {
          objects.delete(exchange);
        }
      }
      default -> throw methodNotAllowed(method, "an object");
    }
  }

  private static void fail(S3Exchange exchange, S3Exception e) {
    if (exchange.headersSent()) {
      exchange.abort();
      return;
    }
    S3Request request = exchange.request();
    String resource = request.path();
    String xml = S3Errors.xml(e.code(), e.getMessage(), resource, exchange.requestId());
    if (request.method().equals("HEAD")) {
      // HEAD answers carry no body; clients read the status.
      exchange.sendEmpty(e.status(), null, 0);
    } else {
      exchange.sendXml(e.status(), xml, null);
    }
  }

  private static S3Exception methodNotAllowed(String method, String what) {
    return new S3Exception("MethodNotAllowed", 405, method + " is not allowed on " + what);
  }
}
