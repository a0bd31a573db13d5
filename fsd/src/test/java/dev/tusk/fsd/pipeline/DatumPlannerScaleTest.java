package dev.tusk.fsd.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.fsd.pipeline.InputLister.Match;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plans 10,000 datums and prints how long it took; no assertion on time (machines are noisy). */
class DatumPlannerScaleTest {
  @Test
  void plansTenThousandDatums() {
    List<Match> files = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      files.add(new Match(String.format("/file-%05d.png", i), "%064x".formatted(i), false));
    }
    InputLister lister = (repo, commit, glob) -> files;
    PipelineSpec spec = DatumPlannerTest.spec(DatumPlannerTest.pfs("images", "/*"));
    String processingHash = SpecParser.processingHash(spec);
    Map<String, String> commits = Map.of("images", "0123456789abcdef0123456789abcdef");

    // Thread CPU time as well as wall time: on a shared machine the wall time mostly measures load.
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] wall = new double[20];
    double[] cpu = new double[20];
    List<Datum> datums = List.of();
    for (int run = 0; run < wall.length; run++) {
      long start = System.nanoTime();
      long startCpu = threads.getCurrentThreadCpuTime();
      datums = DatumPlanner.plan(spec, processingHash, commits, lister);
      wall[run] = (System.nanoTime() - start) / 1e6;
      cpu[run] = (threads.getCurrentThreadCpuTime() - startCpu) / 1e6;
    }

    System.out.printf(
        "DatumPlanner: 10,000 datums from /*: first run %.1f ms wall, %.1f ms CPU (cold JIT);"
            + " best of 20 %.1f ms wall, %.1f ms CPU%n",
        wall[0],
        cpu[0],
        Arrays.stream(wall).min().orElseThrow(),
        Arrays.stream(cpu).min().orElseThrow());
    assertThat(datums).hasSize(10_000);
  }
}
