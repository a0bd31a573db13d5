package dev.tusk.fsd.grpc;

import dev.tusk.api.ErrorCode;
import dev.tusk.api.v1.CommitRef;
import dev.tusk.api.v1.CreatePipelineRequest;
import dev.tusk.api.v1.DatumInfo;
import dev.tusk.api.v1.DeletePipelineRequest;
import dev.tusk.api.v1.DeletePipelineResponse;
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
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.pipeline.DatumCodec;
import dev.tusk.fsd.pipeline.FileOrigins.FileOrigin;
import dev.tusk.fsd.pipeline.PipelineController;
import dev.tusk.fsd.pipeline.PipelineSpec;
import dev.tusk.fsd.pipeline.SpecParser;
import dev.tusk.fsd.store.CommitProvenance;
import dev.tusk.fsd.store.DatumRecord;
import dev.tusk.fsd.store.JobRecord;
import dev.tusk.fsd.store.PipelineRecord;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;

/** The {@code tusk.v1.Pps} gRPC service over the {@link PipelineController}. */
final class PpsService extends PpsGrpc.PpsImplBase {
  private static final Duration MAX_WAIT = Duration.ofDays(1);
  private static final Duration RERUN_TIMEOUT = Duration.ofHours(1);

  private final PipelineController pipelines;

  PpsService(PipelineController pipelines) {
    this.pipelines = pipelines;
  }

  @Override
  public void createPipeline(CreatePipelineRequest request, StreamObserver<PipelineInfo> response) {
    PipelineRecord pipeline = pipelines.createPipeline(request.getSpecJson(), request.getUpdate(), request.getReprocess());
    reply(response, pipelineInfo(pipeline, pipeline.specJson()));
  }

  @Override
  public void inspectPipeline(InspectPipelineRequest request, StreamObserver<PipelineInfo> response) {
    PipelineRecord pipeline = pipelines.inspectPipeline(request.getName());
    reply(response, pipelineInfo(pipeline, pipelines.spec(request.getName(), request.getVersion())));
  }

  @Override
  public void listPipeline(ListPipelineRequest request, StreamObserver<PipelineInfo> response) {
    Streams.send(response, pipelines.listPipelines().stream().map(p -> pipelineInfo(p, p.specJson())));
  }

  @Override
  public void deletePipeline(DeletePipelineRequest request, StreamObserver<DeletePipelineResponse> response) {
    pipelines.deletePipeline(request.getName(), request.getKeepRepo());
    reply(response, DeletePipelineResponse.getDefaultInstance());
  }

  @Override
  public void stopPipeline(StopPipelineRequest request, StreamObserver<PipelineInfo> response) {
    PipelineRecord pipeline = pipelines.stopPipeline(request.getName());
    reply(response, pipelineInfo(pipeline, pipeline.specJson()));
  }

  @Override
  public void startPipeline(StartPipelineRequest request, StreamObserver<PipelineInfo> response) {
    PipelineRecord pipeline = pipelines.startPipeline(request.getName());
    reply(response, pipelineInfo(pipeline, pipeline.specJson()));
  }

  @Override
  public void inspectJob(InspectJobRequest request, StreamObserver<JobInfo> response) {
    String id = jobId(request.getJob());
    JobRecord job;
    try {
      job = request.getWait() ? pipelines.waitJob(id, MAX_WAIT) : pipelines.job(id);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PfsException(ErrorCode.UNAVAILABLE, "Interrupted while waiting for job " + id);
    }
    reply(response, jobInfo(job));
  }

  @Override
  public void listJob(ListJobRequest request, StreamObserver<JobInfo> response) {
    String pipeline = request.getPipeline().isEmpty() ? null : request.getPipeline();
    Streams.send(response, pipelines.listJobs(pipeline, request.getLimit()).stream().map(PpsService::jobInfo));
  }

  @Override
  public void listDatum(ListDatumRequest request, StreamObserver<DatumInfo> response) {
    Streams.send(response, pipelines.listDatums(jobId(request.getJob())).stream().map(PpsService::datumInfo));
  }

  @Override
  public void getLogs(GetLogsRequest request, StreamObserver<LogLine> response) {
    String pipeline = request.getPipeline();
    String job = request.getJob().isEmpty() ? null : jobId(request.getJob());
    if (pipeline.isEmpty()) {
      if (job == null) {
        throw new PfsException(ErrorCode.INVALID_ARGUMENT, "Logs need a pipeline or a job");
      }
      pipeline = pipelines.job(job).pipeline();
    }
    String datum = request.getDatum().isEmpty() ? null : request.getDatum();
    String name = pipeline;
    Streams.send(response, pipelines.logs(pipeline, job, datum).stream()
        .map(l -> LogLine.newBuilder()
            .setPipeline(name)
            .setJob(l.job())
            .setDatum(l.datum())
            .setTime(Protos.timestamp(l.time()))
            .setStream(l.stream())
            .setMessage(l.message())
            .build()));
  }

  @Override
  public void inspectFileProvenance(InspectFileProvenanceRequest request, StreamObserver<FileProvenance> response) {
    FileOrigin origin = pipelines.provenance(request.getFile());
    reply(response, FileProvenance.newBuilder()
        .setPath(origin.path())
        .setHash(origin.hash())
        .setCommit(CommitRef.newBuilder()
            .setRepo(origin.commit().repo()).setBranch(origin.commit().branch()).setId(origin.commit().id()))
        .setPipeline(origin.job().pipeline())
        .setPipelineVersion(origin.job().pipelineVersion())
        .setImage(origin.spec().transform().image())
        .addAllCmd(origin.spec().transform().cmd())
        .setJob(origin.job().id())
        .setDatum(origin.datum())
        .addAllInputs(origin.inputs())
        .setRuntime(pipelines.runtime())
        .build());
  }

  @Override
  public void rerunDatum(RerunDatumRequest request, StreamObserver<RerunDatumResponse> response) {
    PipelineController.RerunResult result;
    try {
      result = pipelines.rerun(jobId(request.getJob()), request.getDatum(), RERUN_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PfsException(ErrorCode.UNAVAILABLE, "Interrupted while rerunning");
    }
    reply(response, RerunDatumResponse.newBuilder()
        .setIdentical(result.identical())
        .addAllDifferingPaths(result.differingPaths())
        .setSucceeded(result.succeeded())
        .setReason(result.reason())
        .build());
  }

  /** "pipeline@job" or a bare job id. */
  private static String jobId(String ref) {
    int at = ref.indexOf('@');
    String id = at < 0 ? ref : ref.substring(at + 1);
    if (id.isEmpty()) {
      throw new PfsException(ErrorCode.INVALID_ARGUMENT, "No job id in '" + ref + "'");
    }
    return id;
  }

  private PipelineInfo pipelineInfo(PipelineRecord pipeline, String specJson) {
    PipelineSpec spec = SpecParser.parse(specJson);
    PipelineInfo.Builder info = PipelineInfo.newBuilder()
        .setName(pipeline.name())
        .setVersion(pipeline.version())
        .setState(pipeline.state())
        .setReason(pipeline.reason())
        .setSpecJson(specJson)
        .setCreated(Protos.timestamp(pipeline.created()))
        .setUpdated(Protos.timestamp(pipeline.updated()))
        .setDescription(spec.description())
        .setOutputRepo(spec.name())
        .setOutputBranch(spec.outputBranch());
    List<JobRecord> last = pipelines.listJobs(pipeline.name(), 1);
    if (!last.isEmpty()) {
      info.setLastJob(jobInfo(last.get(0)));
    }
    return info.build();
  }

  static JobInfo jobInfo(JobRecord job) {
    JobInfo.Builder info = JobInfo.newBuilder()
        .setId(job.id())
        .setPipeline(job.pipeline())
        .setPipelineVersion(job.pipelineVersion())
        .setState(job.state())
        .setReason(job.reason())
        .setCreated(Protos.timestamp(job.created()))
        .setDatumsTotal(job.datumsTotal())
        .setDatumsProcessed(job.datumsProcessed())
        .setDatumsSkipped(job.datumsSkipped())
        .setDatumsFailed(job.datumsFailed())
        .setCommitSet(job.commitSet());
    if (job.started() != null) {
      info.setStarted(Protos.timestamp(job.started()));
    }
    if (job.finished() != null) {
      info.setFinished(Protos.timestamp(job.finished()));
    }
    for (CommitProvenance input : job.inputs()) {
      info.addInputCommits(CommitRef.newBuilder().setRepo(input.repo()).setBranch(input.branch()).setId(input.id()));
    }
    if (job.state().equals("success")) {
      info.setOutputCommit(CommitRef.newBuilder()
          .setRepo(job.outputRepo()).setBranch(job.outputBranch()).setId(job.outputCommit()));
    }
    return info.build();
  }

  private static DatumInfo datumInfo(DatumRecord datum) {
    return DatumInfo.newBuilder()
        .setId(datum.id())
        .setJob(datum.job())
        .setState(datum.state())
        .addAllInputs(DatumCodec.decodeInputs(datum.inputs()))
        .setTries(datum.tries())
        .setReason(datum.reason())
        .setProducedByJob(datum.producedByJob())
        .build();
  }

  private static <T> void reply(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }
}
