package dev.tusk.fsd.pipeline;

import java.util.concurrent.TimeUnit;

/**
 * Counts the job states stored, so that a waiter for a job's end is woken by the next one rather
 * than asking the store over and over (which took CPU from the datums). Thread-safe.
 */
final class JobUpdates {
  private long count;

  /** The updates so far: pass it to {@link #awaitAfter} after looking at the job. */
  synchronized long seen() {
    return count;
  }

  /** One more job state stored: wakes every waiter. */
  synchronized void stored() {
    count++;
    notifyAll();
  }

  /** Waits until an update after {@code seen}, or at most {@code nanos}. */
  synchronized void awaitAfter(long seen, long nanos) throws InterruptedException {
    long until = System.nanoTime() + nanos;
    for (long left = nanos; count == seen && left > 0; left = until - System.nanoTime()) {
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }
}
