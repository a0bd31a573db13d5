package dev.tusk.fsd.s3;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event-loop side of one connection. It never blocks and never calls Pfs: each request becomes
 * an {@link S3Exchange} handed to the application executor, and its body flows through a {@link
 * RequestBody}. The channel has autoRead off: the handler reads the next request only when the
 * previous answer is out, and the body reads only as fast as the worker consumes it. Requests that
 * arrive early (pipelining) wait in order.
 */
final class S3ChannelHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(S3ChannelHandler.class);

  private final Executor executor;
  private final Consumer<S3Exchange> service;
  private final ArrayDeque<Object> early = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private S3Exchange current;
  private RequestBody body;

  S3ChannelHandler(Executor executor, Consumer<S3Exchange> service) {
    this.executor = executor;
    this.service = service;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (current != null && !(msg instanceof HttpContent && body != null && !body.ended() && early.isEmpty())) {
      early.add(msg);
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest request) {
      begin(request);
    }
    if (msg instanceof HttpContent content) {
      if (body != null) {
        body.offer(content.content(), content instanceof LastHttpContent);
        if (content instanceof LastHttpContent) {
          body = null;
        }
      } else {
        content.release();
      }
    } else if (!(msg instanceof HttpRequest)) {
      ReferenceCountUtil.release(msg);
    }
  }

  private void begin(HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      Throwable cause = request.decoderResult().cause();
      String why = cause instanceof TooLongFrameException
          ? "The request line or headers are too large" : "The request is not valid HTTP";
      refuse(HttpResponseStatus.BAD_REQUEST, "InvalidRequest", why + ": " + cause.getMessage());
      return;
    }
    S3Request parsed;
    try {
      parsed = S3Request.parse(request.method().name(), request.uri(), request.headers());
    } catch (S3Exception e) {
      refuse(HttpResponseStatus.valueOf(e.status()), e.code(), e.getMessage());
      return;
    }
    // Even without a body the decoder sends an empty LastHttpContent, which ends this one.
    RequestBody requestBody = new RequestBody(ctx.channel());
    body = requestBody;
    S3Exchange exchange = new S3Exchange(
        ctx.channel(), parsed, requestBody, HttpUtil.isKeepAlive(request), this::scheduleNext);
    current = exchange;
    try {
      executor.execute(() -> service.accept(exchange));
    } catch (RejectedExecutionException e) {
      exchange.sendXml(503, S3Errors.xml("SlowDown", "The gateway is busy: too many requests at once",
          parsed.path(), exchange.requestId()), null);
    }
  }

  /** Once an answer is out: on to the next request, or close. Runs on the event loop. */
  private void scheduleNext(boolean keepAlive) {
    if (ctx.executor().inEventLoop()) {
      next(keepAlive);
    } else {
      ctx.executor().execute(() -> next(keepAlive));
    }
  }

  private void next(boolean keepAlive) {
    S3Exchange finished = current;
    current = null;
    if (body != null) {
      body.close();
      body = null;
    }
    if (finished != null) {
      finished.body().close();
    }
    if (!keepAlive) {
      releaseEarly();
      ctx.close();
      return;
    }
    while (current == null && !early.isEmpty()) {
      dispatch(early.poll());
    }
    if (current == null) {
      ctx.read();
    }
    // Messages of the new request's body that arrived early go to it now.
    while (current != null && body != null && !early.isEmpty() && early.peek() instanceof HttpContent) {
      dispatch(early.poll());
    }
  }

  private void refuse(HttpResponseStatus status, String code, String message) {
    byte[] xml = S3Errors.xml(code, message, "", "").getBytes(StandardCharsets.UTF_8);
    DefaultFullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(xml));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/xml");
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    HttpUtil.setContentLength(response, xml.length);
    current = new S3Exchange(ctx.channel(), null, new RequestBody(ctx.channel()), false, k -> { });
    ctx.writeAndFlush(response).addListener(f -> ctx.close());
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (current != null) {
      current.signalWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (body != null) {
      body.fail(new IOException("The client closed the connection mid-body"));
    }
    if (current != null) {
      current.body().fail(new IOException("The client closed the connection"));
      current.signalWritable();
    }
    releaseEarly();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("S3 connection from {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }

  private void releaseEarly() {
    while (!early.isEmpty()) {
      ReferenceCountUtil.release(early.poll());
    }
  }
}
