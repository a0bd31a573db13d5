package dev.tusk.fsd.pipeline;

import dev.tusk.api.ErrorCode;
import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.PutContent;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.store.CommitRecord;
import dev.tusk.fsd.store.DatumRecord;
import dev.tusk.fsd.store.JobRecord;
import dev.tusk.fsd.store.PipelineStore;
import dev.tusk.fsd.tree.EntryType;
import dev.tusk.fsd.tree.TreePaths;
import dev.tusk.fsd.version.Pfs;
import dev.tusk.fsd.version.Ref;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Answers "where did this output file come from": the job's datum that wrote it, and its inputs. */
public final class FileOrigins {
  private final Pfs pfs;
  private final PipelineStore store;

  FileOrigins(Pfs pfs, PipelineStore store) {
    this.pfs = pfs;
    this.store = store;
  }

  /** Which datum of which job wrote a file of an output commit, and from what. */
  FileOrigin find(String fileRef) {
    Ref.FileRef file = Ref.parseFile(fileRef);
    CommitRecord commit = pfs.resolve(file.ref());
    var entry = pfs.lookup(commit, file.path());
    if (entry.type() != EntryType.FILE) {
      throw new PfsException(ErrorCode.IS_A_DIRECTORY, file.path() + " is a directory: ask about one of its files");
    }
    JobRecord job = store.jobByOutputCommit(commit.id())
        .orElseThrow(() -> new PfsException(
            ErrorCode.INVALID_ARGUMENT,
            "Commit " + commit.repo() + "@" + commit.id() + " was not written by a pipeline job"));
    List<DatumRecord> datums = store.listDatums(job.id());
    Set<String> hashes = new HashSet<>();
    datums.forEach(d -> hashes.add(d.hash()));
    Map<String, byte[]> outputs = store.getOutputs(job.pipeline(), hashes);
    for (DatumRecord datum : datums) {
      byte[] encoded = outputs.get(datum.hash());
      if (encoded == null) {
        continue;
      }
      for (PutContent output : DatumCodec.decodeOutputs(encoded)) {
        if (TreePaths.normalize(output.getPath()).equals(entry.path())) {
          JobRecord producer = datum.producedByJob().isEmpty() || datum.producedByJob().equals(job.id())
              ? job
              : store.getJob(datum.producedByJob()).orElse(job);
          PipelineSpec spec = SpecParser.parse(
              store.getSpec(producer.pipeline(), producer.pipelineVersion()).orElseThrow());
          List<DatumInput> inputs = DatumCodec.decodeInputs(datum.inputs());
          return new FileOrigin(entry.path(), entry.hash(), commit, producer, datum.id(), inputs, spec);
        }
      }
    }
    throw new PfsException(
        ErrorCode.FILE_NOT_FOUND,
        "No datum of job " + job.id() + " wrote " + entry.path() + " (was it changed by hand?)");
  }

  /** @param job the job whose run of the datum produced the file */
  public record FileOrigin(
      String path, String hash, CommitRecord commit, JobRecord job, String datum, List<DatumInput> inputs,
      PipelineSpec spec) {}
}
