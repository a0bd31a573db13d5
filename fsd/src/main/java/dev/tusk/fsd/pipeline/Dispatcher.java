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

/**
 * Shares one pipeline's datum tasks among its connected agents. Each agent holds up to {@link
 * #TASKS_AHEAD} tasks, so that the next is already there when one ends; it runs them in order, so
 * the first it holds is the one running. Thread-safe.
 */
final class Dispatcher {
  static final int TASKS_AHEAD = 2;

  private final Deque<DatumTask> queue = new ArrayDeque<>();
  private final Map<WorkerSession, List<DatumTask>> held = new LinkedHashMap<>();

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
    held.put(session, new ArrayList<>());
    fill(session);
  }

  /** Forgets an agent that went away; returns the tasks it held, the running one first. */
  synchronized List<DatumTask> detach(WorkerSession session) {
    List<DatumTask> tasks = held.remove(session);
    return tasks == null ? List.of() : tasks;
  }

  /** The task an agent just finished, which it no longer holds; empty if it held no such task. */
  synchronized Optional<DatumTask> finished(WorkerSession session, String job, String datum) {
    List<DatumTask> tasks = held.get(session);
    if (tasks == null) {
      return Optional.empty();
    }
    for (Iterator<DatumTask> it = tasks.iterator(); it.hasNext(); ) {
      DatumTask task = it.next();
      if (task.getJob().equals(job) && task.getDatum().equals(datum)) {
        it.remove();
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

  private void fill(WorkerSession session) {
    List<DatumTask> tasks = held.get(session);
    while (tasks.size() < TASKS_AHEAD && !queue.isEmpty()) {
      DatumTask task = queue.pollFirst();
      tasks.add(task);
      session.send(task);
    }
  }
}
