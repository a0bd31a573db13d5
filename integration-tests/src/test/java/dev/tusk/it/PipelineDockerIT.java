package dev.tusk.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.api.FileUpload;
import dev.tusk.api.PipelineClient;
import dev.tusk.api.v1.FileProvenance;
import dev.tusk.api.v1.JobInfo;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A pipeline on the Docker runtime: datums run in the spec's image, on a real engine. */
@ExtendWith(DockerEngine.Extension.class)
class PipelineDockerIT {
  private final DockerEngine engine;
  @TempDir Path temp;

  PipelineDockerIT(DockerEngine engine) {
    this.engine = engine;
  }

  @BeforeAll
  static void requireFuse() {
    MountProcessIT.requireFuse();
  }

  @Test
  void datumsRunInTheSpecsImageAndSeeOnlyTheirInputsReadOnly() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(
        temp.resolve("data"), DaemonProcess.freePort(), Map.of("DOCKER_HOST", engine.host()),
        List.of("--runtime", "docker"))) {
      var client = daemon.client();
      PipelineClient pipelines = client.pipelines();
      client.createRepo("words", "", false);
      FileUpload upload = client.modifyFile("words", "master", "");
      upload.put("/a.txt", "alpha".getBytes(StandardCharsets.UTF_8));
      upload.put("/b.txt", "beta".getBytes(StandardCharsets.UTF_8));
      String input = upload.finish().getId();
      pipelines.createPipeline("""
          {"pipeline": {"name": "probe"},
           "transform": {"image": "%s", "cmd": ["sh", "-c",
             "n=$(basename $words); ls /pfs/words > /pfs/out/$n; touch /pfs/words/x 2>/dev/null && echo rw >> /pfs/out/$n; true"]},
           "input": {"pfs": {"repo": "words", "glob": "/*"}}}
          """.formatted(DockerEngine.IMAGE), false, false);
      JobInfo job = awaitJob(pipelines, input);
      assertThat(job.getState()).as(job.getReason()).isEqualTo("success");
      assertThat(job.getDatumsProcessed()).isEqualTo(2);
      assertThat(read(client, "probe@master:/a.txt")).isEqualTo("a.txt\n");
      assertThat(read(client, "probe@master:/b.txt")).isEqualTo("b.txt\n");
      FileProvenance origin = pipelines.inspectFileProvenance("probe@master:/a.txt");
      assertThat(origin.getRuntime()).isEqualTo("docker");
      assertThat(origin.getImage()).isEqualTo(DockerEngine.IMAGE);
    }
  }

  private static String read(dev.tusk.api.TuskClient client, String file) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    client.getFile(file, 0, 0).forEach(b -> bytes.writeBytes(b.toByteArray()));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static JobInfo awaitJob(PipelineClient pipelines, String input) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline) {
      try (Stream<JobInfo> jobs = pipelines.listJob("probe", 0)) {
        var job = jobs.filter(j -> j.getInputCommitsList().stream().anyMatch(c -> c.getId().equals(input))).findFirst();
        if (job.isPresent()) {
          return pipelines.inspectJob(job.get().getId(), true);
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("No job for " + input);
  }
}
