package dev.tusk.cli;

import dev.tusk.api.ErrorCode;
import dev.tusk.api.TuskClient;
import dev.tusk.api.TuskException;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/** A channel to the daemon at a {@code HOST:PORT} address, and the client over it. */
final class DaemonConnection implements AutoCloseable {
  /** As large as the daemon accepts: a put carries up to 1 MiB of data, a listing entry far less. */
  private static final int MAX_MESSAGE_BYTES = 16 << 20;

  private final String address;
  private final ManagedChannel channel;
  private final TuskClient client;

  private DaemonConnection(String address, ManagedChannel channel) {
    this.address = address;
    this.channel = channel;
    this.client = new TuskClient(channel);
  }

  /** Connects lazily: an unreachable daemon shows on the first call. */
  static DaemonConnection open(String address) {
    HostPort target = HostPort.parse(address, "address");
    ManagedChannel channel = NettyChannelBuilder.forAddress(target.host(), target.port())
        .usePlaintext()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build();
    return new DaemonConnection(address, channel);
  }

  TuskClient client() {
    return client;
  }

  /** The channel itself, for clients other than {@link TuskClient} (the mount). */
  ManagedChannel channel() {
    return channel;
  }

  /**
   * Whether a failure means that no daemon answered, as opposed to a daemon that answered with an
   * error (which carries its code in a trailer).
   */
  static boolean isUnreachable(TuskException e) {
    if (e.code() != ErrorCode.UNAVAILABLE || !(e.getCause() instanceof StatusRuntimeException s)) {
      return false;
    }
    return s.getStatus().getCode() == Status.Code.UNAVAILABLE
        && (s.getTrailers() == null || s.getTrailers().get(ErrorCode.TRAILER) == null);
  }

  /** The one line to show for an unreachable daemon: where, why, and how to start one. */
  RuntimeException unreachable(TuskException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String reason = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    // Netty says "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:1650".
    int peer = reason.indexOf(": /");
    if (peer > 0) {
      reason = reason.substring(0, peer);
    }
    reason = reason.substring(reason.lastIndexOf(": ") + 1).strip();
    return new IllegalStateException("cannot reach the tusk daemon at " + address + " (" + reason
        + "); start one with 'tusk up', or point --address or TUSK_ADDRESS at a running one");
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
