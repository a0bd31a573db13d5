package dev.tusk.chunkstore.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.exception.HttpResponseException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tusk.chunkstore.ObjectStore;
import dev.tusk.chunkstore.TransientStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;

/**
 * How service answers that Azurite cannot be made to give (throttling, 5xx) map to the store's
 * exceptions, against a loopback HTTP server that replays canned responses.
 */
class AzureBlobErrorMappingTest {
  private final Deque<Reply> replies = new ArrayDeque<>();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  /** When set, answers every request instead of the queued replies. */
  private volatile Function<String, Reply> responder;
  private HttpServer server;
  private ObjectStore store;
  private final ExecutorService serverThreads = Executors.newCachedThreadPool();

  private record Reply(int status, String errorCode, String message) {}

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.setExecutor(serverThreads);
    server.start();
    String connectionString =
        "DefaultEndpointsProtocol=http;AccountName="
            + AzuriteServer.ACCOUNT
            + ";AccountKey="
            + AzuriteServer.KEY
            + ";BlobEndpoint=http://127.0.0.1:"
            + server.getAddress().getPort()
            + "/"
            + AzuriteServer.ACCOUNT
            + ";";
    store =
        new AzureBlobObjectStoreFactory(name -> null)
            .create(
                URI.create(
                    "azblob://box/pre?connection_string="
                        + URLEncoder.encode(connectionString, StandardCharsets.UTF_8)));
  }

  @AfterEach
  void stop() throws IOException {
    store.close();
    server.stop(0);
    serverThreads.shutdownNow();
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (exchange;
        InputStream body = exchange.getRequestBody()) {
      int length = body.readAllBytes().length;
      URI uri = exchange.getRequestURI();
      String request =
          exchange.getRequestMethod()
              + " "
              + uri.getPath()
              + (uri.getQuery() == null ? "" : "?" + uri.getQuery())
              + (length == 0 ? "" : " " + length);
      requests.add(request);
      Reply reply =
          responder != null
              ? responder.apply(request)
              : nextQueuedReply();
      if (reply.errorCode() != null) {
        exchange.getResponseHeaders().add("x-ms-error-code", reply.errorCode());
      }
      byte[] xml =
          reply.message() == null
              ? new byte[0]
              : ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                      + reply.errorCode()
                      + "</Code><Message>"
                      + reply.message()
                      + "\nRequestId:42\nTime:now</Message></Error>")
                  .getBytes(StandardCharsets.UTF_8);
      boolean noBody = xml.length == 0 || exchange.getRequestMethod().equals("HEAD");
      exchange.getResponseHeaders().add("Content-Type", "application/xml");
      exchange.sendResponseHeaders(reply.status(), noBody ? -1 : xml.length);
      if (!noBody) {
        exchange.getResponseBody().write(xml);
      }
    }
  }

  private synchronized Reply nextQueuedReply() {
    return replies.isEmpty() ? new Reply(500, "InternalError", "no reply queued") : replies.poll();
  }

  private synchronized void reply(int status, String errorCode, String message) {
    replies.add(new Reply(status, errorCode, message));
  }

  @Test
  void serverBusyIsTransientWithTheServiceMessageAndIsTriedOnce() {
    reply(503, "ServerBusy", "The server is busy.");
    assertThatThrownBy(() -> store.put("a/b", new byte[] {1}))
        .isInstanceOf(TransientStoreException.class)
        .hasMessageContaining("a/b")
        .hasMessageContaining("503 ServerBusy: The server is busy.")
        .hasMessageNotContaining("RequestId");
    assertThat(requests).containsExactly("PUT /devstoreaccount1/box/pre/a/b 1");
  }

  @Test
  void internalErrorIsTransient() {
    reply(500, "InternalError", "Oops.");
    assertThatThrownBy(() -> store.get("k")).isInstanceOf(TransientStoreException.class);
  }

  @Test
  void throttlingIsTransient() {
    reply(429, "TooManyRequests", "Slow down.");
    assertThatThrownBy(() -> store.get("k", 0, 10)).isInstanceOf(TransientStoreException.class);
  }

  @Test
  void aDeniedRequestIsPermanentAndNamesCodeAndKey() {
    reply(403, "AuthorizationPermissionMismatch", "This request is not authorized.");
    assertThatThrownBy(() -> store.get("chunks/x"))
        .isInstanceOf(IOException.class)
        .isNotInstanceOf(TransientStoreException.class)
        .hasMessageContaining("chunks/x")
        .hasMessageContaining("403 AuthorizationPermissionMismatch")
        .hasMessageContaining("This request is not authorized.");
  }

  @Test
  void aMissingBlobIsNoSuchFile() {
    reply(404, "BlobNotFound", "The specified blob does not exist.");
    assertThatThrownBy(() -> store.get("k"))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("k");
  }

  @Test
  void putIfAbsentLosesOnEitherConflictAnswer() throws Exception {
    reply(409, "BlobAlreadyExists", "The specified blob already exists.");
    reply(
        412,
        "ConditionNotMet",
        "The condition specified using HTTP conditional header(s) is not met.");
    assertThat(store.putIfAbsent("k", new byte[] {1})).isFalse();
    assertThat(store.putIfAbsent("k", new byte[] {1})).isFalse();
  }

  @Test
  void aRangeAfterTheEndIsEmpty() throws Exception {
    reply(
        416,
        "InvalidRange",
        "The range specified is invalid for the current size of the resource.");
    assertThat(store.get("k", 100, 10)).isEmpty();
  }

  @Test
  void aWriteThatFindsNoContainerCreatesItAndWritesAgain() throws Exception {
    reply(404, "ContainerNotFound", "The specified container does not exist.");
    reply(201, null, null);
    reply(201, null, null);
    store.put("k", new byte[] {1, 2, 3});
    assertThat(requests)
        .containsExactly(
            "PUT /devstoreaccount1/box/pre/k 3",
            "PUT /devstoreaccount1/box?restype=container",
            "PUT /devstoreaccount1/box/pre/k 3"); // the whole body again
  }

  @Test
  void aBlockUploadWhoseBlocksAllFindNoContainerCreatesItAndUploadsAgain() throws Exception {
    // The SDK stages a large object's three blocks in parallel: all three fail together.
    AtomicBoolean created = new AtomicBoolean();
    CountDownLatch blocksTried = new CountDownLatch(3);
    responder =
        request -> {
          if (request.equals("PUT /devstoreaccount1/box?restype=container")) {
            created.set(true);
          } else if (!created.get()) {
            blocksTried.countDown();
            awaitQuietly(blocksTried);
            return new Reply(404, "ContainerNotFound", "The specified container does not exist.");
          }
          return new Reply(201, null, null);
        };
    store.put("big", new byte[12 << 20]);
    assertThat(requests).filteredOn(r -> r.contains("restype=container")).hasSize(1);
    assertThat(requests.get(requests.size() - 1))
        .startsWith("PUT /devstoreaccount1/box/pre/big?comp=blocklist");
  }

  @Test
  void failuresThatReactorThrowsTogetherAreFoundAmongTheSuppressed() {
    // Whether the parallel blocks' failures above arrive as one CompositeException is a race
    // (seen in CI against Azurite), so the lookup is checked on such an exception directly.
    HttpResponseException notFound = new HttpResponseException("404", null);
    RuntimeException together =
        Exceptions.multiple(new HttpResponseException("also 404", null), notFound);
    Class<HttpResponseException> type = HttpResponseException.class;
    assertThat(AzureBlobObjectStore.causeOf(together, type)).isInstanceOf(type);
    assertThat(AzureBlobObjectStore.causeOf(new RuntimeException(notFound), type))
        .isSameAs(notFound);
    assertThat(AzureBlobObjectStore.causeOf(new RuntimeException("x"), type)).isNull();
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aListingWithoutContainerIsEmpty() throws Exception {
    reply(404, "ContainerNotFound", "The specified container does not exist.");
    assertThat(store.list("")).isEmpty();
  }
}
