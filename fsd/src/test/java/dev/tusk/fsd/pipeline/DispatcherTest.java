package dev.tusk.fsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.api.v1.DatumTask;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  private static final class Agent implements WorkerSession {
    final List<String> received = new ArrayList<>();

    @Override
    public String worker() {
      return "agent";
    }

    @Override
    public void send(DatumTask task) {
      received.add(task.getDatum());
    }
  }

  private static DatumTask task(String job, String datum) {
    return DatumTask.newBuilder().setJob(job).setDatum(datum).build();
  }

  @Test
  void eachAgentHoldsTwoTasksAndGetsTheNextWhenOneEnds() {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.submitAll(List.of(task("j", "1"), task("j", "2"), task("j", "3"), task("j", "4"), task("j", "5")));
    Agent a = new Agent();
    Agent b = new Agent();
    dispatcher.attach(a);
    dispatcher.attach(b);
    assertThat(a.received).containsExactly("1", "2");
    assertThat(b.received).containsExactly("3", "4");
    assertThat(dispatcher.finished(a, "j", "1")).isPresent();
    assertThat(a.received).containsExactly("1", "2", "5");
    assertThat(dispatcher.finished(a, "j", "1")).isEmpty();
  }

  @Test
  void anAgentOfQuickDatumsHoldsMoreOfThemAndOfSlowOnesTwo() {
    long[] now = {1};
    Dispatcher dispatcher = new Dispatcher(() -> now[0]);
    List<DatumTask> tasks = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      tasks.add(task("j", Integer.toString(i)));
    }
    dispatcher.submitAll(tasks);
    Agent quick = new Agent();
    dispatcher.attach(quick);
    assertThat(quick.received).hasSize(Dispatcher.MIN_AHEAD);
    for (int i = 0; i < 20; i++) { // one result every 5 ms: 50 ms of them is 10
      now[0] += 5_000_000;
      dispatcher.finished(quick, "j", quick.received.get(i));
    }
    assertThat(dispatcher.window(quick)).isEqualTo(10);
    assertThat(quick.received).hasSize(20 + 10);

    for (int i = 20; i < 40; i++) { // one every 2 s: as few as at the start
      now[0] += 2_000_000_000L;
      dispatcher.finished(quick, "j", quick.received.get(i));
    }
    assertThat(dispatcher.window(quick)).isEqualTo(Dispatcher.MIN_AHEAD);
  }

  @Test
  void aDetachedAgentGivesBackWhatItHeldRunningFirst() {
    Dispatcher dispatcher = new Dispatcher();
    Agent a = new Agent();
    dispatcher.attach(a);
    dispatcher.submitAll(List.of(task("j", "1"), task("j", "2")));
    assertThat(dispatcher.detach(a)).extracting(DatumTask::getDatum).containsExactly("1", "2");
    assertThat(dispatcher.agents()).isZero();
  }

  @Test
  void anEndedJobsQueuedTasksAreDroppedButRetriesGoFirst() {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.submitAll(List.of(task("old", "1"), task("new", "2")));
    dispatcher.dropJob("old");
    dispatcher.submit(task("new", "retry"), true);
    Agent a = new Agent();
    dispatcher.attach(a);
    assertThat(a.received).containsExactly("retry", "2");
  }
}
