package dev.tusk.fsd.pipeline;

import dev.tusk.api.v1.DatumTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Shares one pipeline's datum tasks among its connected agents. Each agent holds a window of
 * tasks, so that the next is already there when one ends; it runs them in order, so the first it
 * holds is the one running. The window starts at {@link #MIN_AHEAD} and grows, up to {@link
 * #MAX_AHEAD}, to about {@link #HOLD_NANOS} of the agent's recent datums: an agent of quick datums
 * gets them in batches (it stores and reports them in batches), while slow datums stay spread over
 * the agents. Thread-safe.
 */
final class Dispatcher {
  static final int MIN_AHEAD = 2;
  static final int MAX_AHEAD = 16;
  /** How much work, in the agent's recent time per datum, a window holds. */
  static final long HOLD_NANOS = 50_000_000L;
  /** Gaps between results longer than this say nothing about the datums' pace (the agent waited). */
  private static final long MAX_GAP_NANOS = 1_000_000_000L;

  /** What one agent holds, and how fast it has been giving results back. */
  private static final class Held {
    final List<DatumTask> tasks = new ArrayList<>();
    long lastResult;
    double averageGap;

    int window() {
      if (averageGap <= 0) {
        return MIN_AHEAD;
      }
      return (int) Math.max(MIN_AHEAD, Math.min(MAX_AHEAD, Math.ceil(HOLD_NANOS / averageGap)));
    }

    void resulted(long now) {
      if (lastResult != 0) {
        long gap = Math.min(now - lastResult, MAX_GAP_NANOS);
        averageGap = averageGap <= 0 ? gap : 0.8 * averageGap + 0.2 * gap;
      }
      lastResult = now;
    }
  }

  private final Deque<DatumTask> queue = new ArrayDeque<>();
  private final Map<WorkerSession, Held> held = new LinkedHashMap<>();
  private final LongSupplier nanoTime;

  Dispatcher() {
    this(System::nanoTime);
  }

  /** @param nanoTime a monotonic clock in nanoseconds */
  Dispatcher(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Queues a task: last, or first (a retry or a rerun should not wait behind a whole job). */
  synchronized void submit(DatumTask task, boolean first) {
    if (first) {
      queue.addFirst(task);
    } else {
      queue.addLast(task);
    }
    held.keySet().forEach(this::fill);
  }

  synchronized void submitAll(List<DatumTask> tasks) {
    queue.addAll(tasks);
    held.keySet().forEach(this::fill);
  }

  synchronized void attach(WorkerSession session) {
    held.put(session, new Held());
    fill(session);
  }

  /** Forgets an agent that went away; returns the tasks it held, the running one first. */
  synchronized List<DatumTask> detach(WorkerSession session) {
    Held tasks = held.remove(session);
    return tasks == null ? List.of() : tasks.tasks;
  }

  /** The task an agent just finished, which it no longer holds; empty if it held no such task. */
  synchronized Optional<DatumTask> finished(WorkerSession session, String job, String datum) {
    Held agent = held.get(session);
    if (agent == null) {
      return Optional.empty();
    }
    for (Iterator<DatumTask> it = agent.tasks.iterator(); it.hasNext(); ) {
      DatumTask task = it.next();
      if (task.getJob().equals(job) && task.getDatum().equals(datum)) {
        it.remove();
        agent.resulted(nanoTime.getAsLong());
        fill(session);
        return Optional.of(task);
      }
    }
    return Optional.empty();
  }

  /** Drops the queued tasks of a job that ended; agents finish the ones they hold. */
  synchronized void dropJob(String job) {
    queue.removeIf(task -> task.getJob().equals(job) && !task.getRerun());
  }

  synchronized int agents() {
    return held.size();
  }

  /** How many tasks {@code session} may hold now. */
  synchronized int window(WorkerSession session) {
    Held agent = held.get(session);
    return agent == null ? 0 : agent.window();
  }

  private void fill(WorkerSession session) {
    Held agent = held.get(session);
    int window = agent.window();
    while (agent.tasks.size() < window && !queue.isEmpty()) {
      DatumTask task = queue.pollFirst();
      agent.tasks.add(task);
      session.send(task);
    }
  }
}
