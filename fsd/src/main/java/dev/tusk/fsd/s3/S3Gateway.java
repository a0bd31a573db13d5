package dev.tusk.fsd.s3;

import dev.tusk.fsd.Threads;
import dev.tusk.fsd.version.Pfs;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tusk's S3 gateway: the S3 REST API over Netty, with every branch a bucket {@code branch.repo}
 * and every commit a read-only bucket {@code commit.branch.repo}.
 *
 * <p>Threads: two event loops do the HTTP framing and never block; every request runs on the
 * bounded {@code tusk-s3-} pool, because Pfs calls do I/O and take locks. Memory per connection is
 * bounded both ways: request bodies pause the socket past {@link RequestBody#HIGH_WATER}, and
 * responses wait while the channel is above its write-buffer high-water mark.
 */
public final class S3Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(S3Gateway.class);
  private static final int EVENT_LOOPS = 2;
  private static final int QUEUED_REQUESTS = 256;
  private static final int MAX_INITIAL_LINE = 16 * 1024;
  private static final int MAX_HEADER_BYTES = 16 * 1024;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ThreadPoolExecutor executor;
  private final Channel channel;
  private final int port;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private S3Gateway(
      EventLoopGroup boss, EventLoopGroup workers, ThreadPoolExecutor executor, Channel channel) {
    this.boss = boss;
    this.workers = workers;
    this.executor = executor;
    this.channel = channel;
    this.port = ((InetSocketAddress) channel.localAddress()).getPort();
  }

  /** Binds and starts serving; multipart uploads are kept under {@code uploadsDir}. */
  public static S3Gateway start(S3GatewayConfig config, Pfs pfs, Path uploadsDir) throws IOException {
    S3Authenticator auth = new S3Authenticator(config.credentials(), config.anonymous(), Clock.systemUTC());
    MultipartUploads uploads = MultipartUploads.open(uploadsDir);
    S3Service service = new S3Service(pfs, auth, uploads);
    ThreadPoolExecutor executor = new ThreadPoolExecutor(
        config.workerThreads(), config.workerThreads(), 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUED_REQUESTS), Threads.named("tusk-s3-"));
    executor.allowCoreThreadTimeOut(true);
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, Threads.named("tusk-s3-accept-"),
        NioIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(EVENT_LOOPS,
        Threads.named("tusk-s3-io-"), NioIoHandler.newFactory());
    try {
      ServerBootstrap bootstrap = new ServerBootstrap()
          .group(boss, workers)
          .channel(NioServerSocketChannel.class)
          .childOption(ChannelOption.AUTO_READ, false)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
              new WriteBufferWaterMark(4 << 20, 8 << 20))
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new HttpServerCodec(new HttpDecoderConfig()
                  .setMaxInitialLineLength(MAX_INITIAL_LINE)
                  .setMaxHeaderSize(MAX_HEADER_BYTES)
                  .setMaxChunkSize(64 * 1024)));
              ch.pipeline().addLast(new S3ChannelHandler(executor, service::handle));
            }
          });
      Channel channel = bootstrap.bind(config.host(), config.port()).syncUninterruptibly().channel();
      S3Gateway gateway = new S3Gateway(boss, workers, executor, channel);
      LOG.info("S3 gateway serving on {}:{}{}", config.host(), gateway.port,
          config.anonymous() ? " (anonymous access allowed)" : "");
      return gateway;
    } catch (RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      executor.shutdownNow();
      throw new IOException("Cannot start the S3 gateway on " + config.listen() + ": " + e.getMessage(), e);
    }
  }

  public int port() {
    return port;
  }

  /** Stops accepting, drops connections, and waits a bounded time for running requests. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    channel.close().syncUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
      workers.terminationFuture().await(5, TimeUnit.SECONDS);
      boss.terminationFuture().await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
  }
}
