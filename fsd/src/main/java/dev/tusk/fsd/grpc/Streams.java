package dev.tusk.fsd.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Sends a lazily produced stream as fast as the client takes it and no faster: gRPC's flow control
 * decides when the next message is made, so a million-entry listing needs no million-entry buffer.
 */
final class Streams {
  private Streams() {}

  static <T> void send(StreamObserver<T> observer, Stream<T> items) {
    ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) observer;
    Iterator<T> iterator = items.iterator();
    AtomicBoolean done = new AtomicBoolean();
    Runnable drain = () -> {
      try {
        while (!done.get() && call.isReady()) {
          if (!iterator.hasNext()) {
            if (done.compareAndSet(false, true)) {
              items.close();
              call.onCompleted();
            }
            return;
          }
          call.onNext(iterator.next());
        }
      } catch (RuntimeException e) {
        if (done.compareAndSet(false, true)) {
          items.close();
          call.onError(ErrorMappingInterceptor.toStatus("stream", e));
        }
      }
    };
    call.setOnCancelHandler(() -> {
      if (done.compareAndSet(false, true)) {
        items.close();
      }
    });
    call.setOnReadyHandler(drain);
    drain.run();
  }
}
