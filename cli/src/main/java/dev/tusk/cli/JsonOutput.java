package dev.tusk.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tusk.api.v1.BranchInfo;
import dev.tusk.api.v1.BranchRef;
import dev.tusk.api.v1.CommitInfo;
import dev.tusk.api.v1.CommitRef;
import dev.tusk.api.v1.CommitState;
import dev.tusk.api.v1.DatumInfo;
import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.DiffFileResponse;
import dev.tusk.api.v1.FileInfo;
import dev.tusk.api.v1.FileProvenance;
import dev.tusk.api.v1.FileType;
import dev.tusk.api.v1.JobInfo;
import dev.tusk.api.v1.LogLine;
import dev.tusk.api.v1.PipelineInfo;
import dev.tusk.api.v1.RepoInfo;
import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code -o json}: one JSON object a line, with snake_case field names, timestamps in RFC 3339 UTC
 * with milliseconds, and {@code null} for what is unset (an open commit's {@code finished}, a first
 * commit's {@code parent}, an empty branch's {@code head}). Streams through one generator, so a
 * listing of millions of entries costs no more memory than one of ten.
 */
final class JsonOutput {
  private static final JsonMapper MAPPER = JsonMapper.builder()
      .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
      .build();

  private final JsonGenerator json;

  /** Writes UTF-8 straight to {@code out}, buffered by the generator; call {@link #flush()} at the end. */
  JsonOutput(OutputStream out) throws IOException {
    this.json = MAPPER.createGenerator(out);
    json.setRootValueSeparator(null);
  }

  void repo(RepoInfo repo) throws IOException {
    json.writeStartObject();
    json.writeStringField("name", repo.getName());
    json.writeNumberField("size_bytes", repo.getSizeBytes());
    json.writeStringField("created", repo.hasCreated() ? Formats.rfc3339(repo.getCreated()) : null);
    json.writeStringField("description", repo.getDescription());
    json.writeArrayFieldStart("branches");
    for (String branch : repo.getBranchesList()) {
      json.writeString(branch);
    }
    json.writeEndArray();
    end();
  }

  void commit(CommitInfo commit) throws IOException {
    json.writeStartObject();
    json.writeStringField("id", commit.getId());
    json.writeStringField("repo", commit.getRepo());
    json.writeStringField("branch", commit.getBranch());
    json.writeStringField("parent", emptyToNull(commit.getParent()));
    json.writeStringField("state", state(commit.getState()));
    json.writeStringField("started", commit.hasStarted() ? Formats.rfc3339(commit.getStarted()) : null);
    json.writeStringField("finished", commit.hasFinished() ? Formats.rfc3339(commit.getFinished()) : null);
    json.writeNumberField("size_bytes", commit.getSizeBytes());
    json.writeStringField("description", commit.getDescription());
    json.writeArrayFieldStart("provenance");
    for (CommitRef upstream : commit.getProvenanceList()) {
      json.writeStartObject();
      json.writeStringField("repo", upstream.getRepo());
      json.writeStringField("branch", upstream.getBranch());
      json.writeStringField("id", upstream.getId());
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeStringField("commit_set", commit.getCommitSet());
    json.writeStringField("tree_hash", commit.getTreeHash());
    end();
  }

  void file(FileInfo file) throws IOException {
    fileObject(file);
    json.writeRaw('\n');
  }

  void branch(BranchInfo branch) throws IOException {
    json.writeStartObject();
    json.writeStringField("repo", branch.getRepo());
    json.writeStringField("name", branch.getName());
    json.writeStringField("head", emptyToNull(branch.getHead()));
    json.writeArrayFieldStart("provenance");
    for (BranchRef upstream : branch.getProvenanceList()) {
      json.writeStartObject();
      json.writeStringField("repo", upstream.getRepo());
      json.writeStringField("branch", upstream.getBranch());
      json.writeEndObject();
    }
    json.writeEndArray();
    end();
  }

  /** {@code {"change": "added"|"deleted"|"modified", "path", "new_file", "old_file"}}. */
  void diff(DiffFileResponse diff) throws IOException {
    json.writeStartObject();
    json.writeStringField("change", change(diff));
    json.writeStringField("path", path(diff));
    json.writeFieldName("new_file");
    if (diff.hasNewFile()) {
      fileObject(diff.getNewFile());
    } else {
      json.writeNull();
    }
    json.writeFieldName("old_file");
    if (diff.hasOldFile()) {
      fileObject(diff.getOldFile());
    } else {
      json.writeNull();
    }
    end();
  }

  void pipeline(PipelineInfo pipeline) throws IOException {
    json.writeStartObject();
    json.writeStringField("name", pipeline.getName());
    json.writeNumberField("version", pipeline.getVersion());
    json.writeStringField("state", pipeline.getState());
    json.writeStringField("reason", emptyToNull(pipeline.getReason()));
    json.writeStringField("created", pipeline.hasCreated() ? Formats.rfc3339(pipeline.getCreated()) : null);
    json.writeStringField("updated", pipeline.hasUpdated() ? Formats.rfc3339(pipeline.getUpdated()) : null);
    json.writeStringField("description", pipeline.getDescription());
    json.writeStringField("output_repo", pipeline.getOutputRepo());
    json.writeStringField("output_branch", pipeline.getOutputBranch());
    json.writeStringField("last_job_state", pipeline.hasLastJob() ? pipeline.getLastJob().getState() : null);
    json.writeFieldName("spec");
    json.writeRawValue(pipeline.getSpecJson());
    end();
  }

  /** The fields of {@code tusk list job -o json}. */
  void job(JobInfo job) throws IOException {
    json.writeStartObject();
    json.writeStringField("id", job.getId());
    json.writeStringField("pipeline", job.getPipeline());
    json.writeNumberField("pipeline_version", job.getPipelineVersion());
    json.writeStringField("state", job.getState());
    json.writeStringField("reason", emptyToNull(job.getReason()));
    json.writeStringField("created", job.hasCreated() ? Formats.rfc3339(job.getCreated()) : null);
    json.writeStringField("started", job.hasStarted() ? Formats.rfc3339(job.getStarted()) : null);
    json.writeStringField("finished", job.hasFinished() ? Formats.rfc3339(job.getFinished()) : null);
    json.writeArrayFieldStart("input_commits");
    for (CommitRef input : job.getInputCommitsList()) {
      commitRef(input);
    }
    json.writeEndArray();
    json.writeFieldName("output_commit");
    if (job.hasOutputCommit()) {
      commitRef(job.getOutputCommit());
    } else {
      json.writeNull();
    }
    json.writeNumberField("datums_total", job.getDatumsTotal());
    json.writeNumberField("datums_processed", job.getDatumsProcessed());
    json.writeNumberField("datums_skipped", job.getDatumsSkipped());
    json.writeNumberField("datums_failed", job.getDatumsFailed());
    json.writeStringField("commit_set", job.getCommitSet());
    end();
  }

  /** The fields of {@code tusk list datum -o json}. */
  void datum(DatumInfo datum) throws IOException {
    json.writeStartObject();
    json.writeStringField("id", datum.getId());
    json.writeStringField("job", datum.getJob());
    json.writeStringField("state", datum.getState());
    datumInputs(datum.getInputsList());
    json.writeNumberField("tries", datum.getTries());
    json.writeStringField("reason", emptyToNull(datum.getReason()));
    json.writeStringField("produced_by_job", emptyToNull(datum.getProducedByJob()));
    end();
  }

  void log(LogLine line) throws IOException {
    json.writeStartObject();
    json.writeStringField("time", line.hasTime() ? Formats.rfc3339(line.getTime()) : null);
    json.writeStringField("pipeline", line.getPipeline());
    json.writeStringField("job", line.getJob());
    json.writeStringField("datum", emptyToNull(line.getDatum()));
    json.writeStringField("stream", line.getStream());
    json.writeStringField("message", line.getMessage());
    end();
  }

  void provenance(FileProvenance file) throws IOException {
    json.writeStartObject();
    json.writeStringField("path", file.getPath());
    json.writeStringField("hash", file.getHash());
    json.writeFieldName("commit");
    commitRef(file.getCommit());
    json.writeStringField("pipeline", file.getPipeline());
    json.writeNumberField("pipeline_version", file.getPipelineVersion());
    json.writeStringField("job", file.getJob());
    json.writeStringField("datum", file.getDatum());
    json.writeStringField("image", file.getImage());
    json.writeArrayFieldStart("cmd");
    for (String arg : file.getCmdList()) {
      json.writeString(arg);
    }
    json.writeEndArray();
    json.writeStringField("runtime", file.getRuntime());
    datumInputs(file.getInputsList());
    end();
  }

  private void datumInputs(java.util.List<DatumInput> inputs) throws IOException {
    json.writeArrayFieldStart("inputs");
    for (DatumInput input : inputs) {
      json.writeStartObject();
      json.writeStringField("name", input.getName());
      json.writeStringField("repo", input.getRepo());
      json.writeStringField("branch", input.getBranch());
      json.writeStringField("commit", input.getCommit());
      json.writeStringField("path", input.getPath());
      json.writeStringField("hash", input.getHash());
      json.writeStringField("type", input.getDirectory() ? "dir" : "file");
      json.writeEndObject();
    }
    json.writeEndArray();
  }

  private void commitRef(CommitRef ref) throws IOException {
    json.writeStartObject();
    json.writeStringField("repo", ref.getRepo());
    json.writeStringField("branch", ref.getBranch());
    json.writeStringField("id", ref.getId());
    json.writeEndObject();
  }

  void flush() throws IOException {
    json.flush();
  }

  static String state(CommitState state) {
    return switch (state) {
      case OPEN -> "open";
      case FINISHED -> "finished";
      default -> "unknown";
    };
  }

  static String type(FileType type) {
    return type == FileType.DIR ? "dir" : "file";
  }

  static String change(DiffFileResponse diff) {
    if (!diff.hasOldFile()) {
      return "added";
    }
    return diff.hasNewFile() ? "modified" : "deleted";
  }

  static String path(DiffFileResponse diff) {
    return diff.hasNewFile() ? diff.getNewFile().getPath() : diff.getOldFile().getPath();
  }

  private void fileObject(FileInfo file) throws IOException {
    json.writeStartObject();
    json.writeStringField("path", file.getPath());
    json.writeStringField("type", type(file.getType()));
    json.writeNumberField("size_bytes", file.getSizeBytes());
    json.writeStringField("hash", file.getHash());
    json.writeStringField("commit", file.getCommit());
    json.writeEndObject();
  }

  private void end() throws IOException {
    json.writeEndObject();
    json.writeRaw('\n');
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }
}
