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
