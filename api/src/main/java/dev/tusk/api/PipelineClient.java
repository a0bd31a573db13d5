package dev.tusk.api;

import dev.tusk.api.v1.CreatePipelineRequest;
import dev.tusk.api.v1.DatumInfo;
import dev.tusk.api.v1.DeletePipelineRequest;
import dev.tusk.api.v1.FileProvenance;
import dev.tusk.api.v1.GetLogsRequest;
import dev.tusk.api.v1.InspectFileProvenanceRequest;
import dev.tusk.api.v1.InspectJobRequest;
import dev.tusk.api.v1.InspectPipelineRequest;
import dev.tusk.api.v1.JobInfo;
import dev.tusk.api.v1.ListDatumRequest;
import dev.tusk.api.v1.ListJobRequest;
import dev.tusk.api.v1.ListPipelineRequest;
import dev.tusk.api.v1.LogLine;
import dev.tusk.api.v1.PipelineInfo;
import dev.tusk.api.v1.PpsGrpc;
import dev.tusk.api.v1.RerunDatumRequest;
import dev.tusk.api.v1.RerunDatumResponse;
import dev.tusk.api.v1.StartPipelineRequest;
import dev.tusk.api.v1.StopPipelineRequest;
import io.grpc.Channel;
import java.util.stream.Stream;

/**
 * A typed client for the daemon's pipelines ({@code tusk.v1.Pps}); get one from {@link
 * TuskClient#pipelines()}. Errors are {@link TuskException}s, as with TuskClient.
 */
public final class PipelineClient {
  private static final int LIST_WINDOW = 1024;

  private final PpsGrpc.PpsBlockingStub blocking;
  private final PpsGrpc.PpsStub async;

  PipelineClient(Channel channel) {
    this.blocking = PpsGrpc.newBlockingStub(channel);
    this.async = PpsGrpc.newStub(channel).withExecutor(Runnable::run);
  }

  /**
   * Creates a pipeline from its JSON spec, or with {@code update} stores a new version of it.
   *
   * @param reprocess with update: run every datum again
   */
  public PipelineInfo createPipeline(String specJson, boolean update, boolean reprocess) {
    CreatePipelineRequest request = CreatePipelineRequest.newBuilder()
        .setSpecJson(specJson)
        .setUpdate(update)
        .setReprocess(reprocess)
        .build();
    return TuskClient.unary(() -> blocking.createPipeline(request));
  }

  /** @param version the spec version to show; 0 for the current one */
  public PipelineInfo inspectPipeline(String name, long version) {
    InspectPipelineRequest request = InspectPipelineRequest.newBuilder().setName(name).setVersion(version).build();
    return TuskClient.unary(() -> blocking.inspectPipeline(request));
  }

  public Stream<PipelineInfo> listPipeline() {
    return TuskClient.stream(ListPipelineRequest.getDefaultInstance(), async::listPipeline, LIST_WINDOW);
  }

  public void deletePipeline(String name, boolean keepRepo) {
    DeletePipelineRequest request = DeletePipelineRequest.newBuilder().setName(name).setKeepRepo(keepRepo).build();
    TuskClient.unary(() -> blocking.deletePipeline(request));
  }

  public PipelineInfo stopPipeline(String name) {
    return TuskClient.unary(() -> blocking.stopPipeline(StopPipelineRequest.newBuilder().setName(name).build()));
  }

  public PipelineInfo startPipeline(String name) {
    return TuskClient.unary(() -> blocking.startPipeline(StartPipelineRequest.newBuilder().setName(name).build()));
  }

  /**
   * @param job a job id, or "pipeline@job"
   * @param wait answer only once the job has ended
   */
  public JobInfo inspectJob(String job, boolean wait) {
    InspectJobRequest request = InspectJobRequest.newBuilder().setJob(job).setWait(wait).build();
    return TuskClient.unary(() -> blocking.inspectJob(request));
  }

  /** Newest first; {@code pipeline} null or empty for all; {@code limit} 0 for all. */
  public Stream<JobInfo> listJob(String pipeline, long limit) {
    ListJobRequest request = ListJobRequest.newBuilder()
        .setPipeline(pipeline == null ? "" : pipeline)
        .setLimit(limit)
        .build();
    return TuskClient.stream(request, async::listJob, LIST_WINDOW);
  }

  /** @param job a job id, or "pipeline@job" */
  public Stream<DatumInfo> listDatum(String job) {
    return TuskClient.stream(ListDatumRequest.newBuilder().setJob(job).build(), async::listDatum, LIST_WINDOW);
  }

  /** Log lines, oldest first; {@code job} and {@code datum} narrow them when not null. */
  public Stream<LogLine> logs(String pipeline, String job, String datum) {
    GetLogsRequest request = GetLogsRequest.newBuilder()
        .setPipeline(pipeline == null ? "" : pipeline)
        .setJob(job == null ? "" : job)
        .setDatum(datum == null ? "" : datum)
        .build();
    return TuskClient.stream(request, async::getLogs, LIST_WINDOW);
  }

  /** Which job, datum, inputs and code produced {@code repo@ref:/path}. */
  public FileProvenance inspectFileProvenance(String file) {
    InspectFileProvenanceRequest request = InspectFileProvenanceRequest.newBuilder().setFile(file).build();
    return TuskClient.unary(() -> blocking.inspectFileProvenance(request));
  }

  /** Runs a datum again from its recorded inputs and compares the outputs; commits nothing. */
  public RerunDatumResponse rerunDatum(String job, String datum) {
    RerunDatumRequest request = RerunDatumRequest.newBuilder().setJob(job).setDatum(datum).build();
    return TuskClient.unary(() -> blocking.rerunDatum(request));
  }
}
