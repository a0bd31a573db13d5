package dev.tusk.fsd.s3;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One request and its response, as a worker thread handles it: the body to read, and the calls
 * that send the answer. Writes go to the channel from the worker; a streamed body waits while the
 * channel is not writable (its outbound buffer is above the high-water mark), so a slow reader of
 * a 1 GiB object holds only that buffer's worth of it in memory. {@code done} runs once the last
 * byte is handed to the channel.
 */
final class S3Exchange {
  private static final long WRITABLE_WAIT_SECONDS = 300;

  private final Channel channel;
  private final S3Request request;
  private final RequestBody body;
  private final boolean keepAliveAsked;
  private final Consumer<Boolean> done;
  private final String requestId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition writable = lock.newCondition();
  private boolean headersSent;
  private boolean finished;
  private boolean keepAlive;

  S3Exchange(Channel channel, S3Request request, RequestBody body, boolean keepAliveAsked,
      Consumer<Boolean> done) {
    this.channel = channel;
    this.request = request;
    this.body = body;
    this.keepAliveAsked = keepAliveAsked;
    this.done = done;
  }

  S3Request request() {
    return request;
  }

  /** The raw body as it arrives; see {@link RequestBodies} for what decodes and checks it. */
  RequestBody body() {
    return body;
  }

  String requestId() {
    return requestId;
  }

  boolean headersSent() {
    return headersSent;
  }

  /** Answers {@code Expect: 100-continue}, once the request is known to be acceptable. */
  void continueIfExpected() {
    String expect = request.header(HttpHeaderNames.EXPECT.toString());
    if (!headersSent && "100-continue".equalsIgnoreCase(expect) && !body.ended()) {
      channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
  }

  /** A complete response with an XML body. */
  void sendXml(int status, String xml, HttpHeaders extra) {
    byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
    DefaultFullHttpResponse response = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(bytes));
    if (extra != null) {
      response.headers().add(extra);
    }
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/xml");
    HttpUtil.setContentLength(response, bytes.length);
    sendFull(response);
  }

  /** A response without a body ({@code contentLength} is what Content-Length says, e.g. for HEAD). */
  void sendEmpty(int status, HttpHeaders extra, long contentLength) {
    DefaultFullHttpResponse response = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.EMPTY_BUFFER);
    if (extra != null) {
      response.headers().add(extra);
    }
    HttpUtil.setContentLength(response, contentLength);
    sendFull(response);
  }

  /** Starts a response whose {@code length} body bytes follow through {@link #write}. */
  void startStream(int status, HttpHeaders headers, long length) {
    HttpResponse response =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    response.headers().add(headers);
    HttpUtil.setContentLength(response, length);
    decorate(response);
    headersSent = true;
    channel.write(response);
  }

  /** Sends a piece of a streamed body, which the channel releases once it is written. */
  void write(ByteBuf piece) throws IOException {
    try {
      awaitWritable();
    } catch (IOException e) {
      piece.release();
      throw e;
    }
    channel.writeAndFlush(new DefaultHttpContent(piece));
  }

  /** The channel's buffer allocator (pooled, direct), for bodies written with {@link #write(ByteBuf)}. */
  ByteBufAllocator allocator() {
    return channel.alloc();
  }

  void endStream() {
    finish(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
  }

  /** Drops the connection: for failures after the headers went out. */
  void abort() {
    keepAlive = false;
    if (!finished) {
      finished = true;
      channel.close().addListener(f -> done.accept(false));
    }
  }

  /** Called on the event loop when the channel's writability changes or it closes. */
  void signalWritable() {
    lock.lock();
    try {
      writable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void awaitWritable() throws IOException {
    if (channel.isWritable()) {
      return;
    }
    lock.lock();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WRITABLE_WAIT_SECONDS);
      while (!channel.isWritable()) {
        if (!channel.isActive()) {
          throw new IOException("The client closed the connection");
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IOException("The client read nothing for " + WRITABLE_WAIT_SECONDS + " s");
        }
        writable.await(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while waiting for the client to read");
    } finally {
      lock.unlock();
    }
  }

  private void sendFull(DefaultFullHttpResponse response) {
    decorate(response);
    headersSent = true;
    finish(channel.writeAndFlush(response));
  }

  private void decorate(HttpResponse response) {
    // Keep the connection only when the whole request body has been read, so the next request
    // starts where it should; otherwise close it after this answer.
    keepAlive = keepAliveAsked && body.ended();
    HttpHeaders headers = response.headers();
    headers.set("x-amz-request-id", requestId);
    headers.set(HttpHeaderNames.SERVER, "Tusk");
    headers.set(HttpHeaderNames.DATE,
        DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
    if (!keepAlive) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  private void finish(ChannelFuture last) {
    finished = true;
    boolean keep = keepAlive;
    last.addListener(f -> done.accept(keep && f.isSuccess()));
  }
}
