package dev.tusk.fsd.pipeline;

import dev.tusk.api.ErrorCode;
import dev.tusk.api.v1.PutContent;
import dev.tusk.fsd.PfsException;
import dev.tusk.fsd.grpc.Protos;
import dev.tusk.fsd.store.DatumRecord;
import dev.tusk.fsd.tree.TreeChange;
import dev.tusk.fsd.tree.TreePaths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a finished job's datums into the changes that make its output commit from the previous
 * output commit: the outputs of datums that are gone are removed, those of new datums are added,
 * and those of datums the two jobs share are already there, by reference. Two datums writing one
 * path are an error naming both.
 */
final class OutputAssembler {
  private OutputAssembler() {}

  /**
   * @param current the job's datums (succeeded or skipped)
   * @param previous the datums of the job that wrote the branch head, or none
   * @param outputsByHash the stored outputs of every datum of both
   */
  static List<TreeChange> changes(
      List<DatumRecord> current, List<DatumRecord> previous, Map<String, List<PutContent>> outputsByHash) {
    Map<String, String> writerByPath = new HashMap<>();
    Set<String> currentHashes = new HashSet<>();
    for (DatumRecord datum : current) {
      currentHashes.add(datum.hash());
      for (PutContent file : outputs(outputsByHash, datum)) {
        String path = TreePaths.normalize(file.getPath());
        String other = writerByPath.putIfAbsent(path, datum.id());
        if (other != null) {
          throw new PfsException(
              ErrorCode.INVALID_ARGUMENT,
              "Datums " + other + " and " + datum.id() + " both write " + path);
        }
      }
    }
    Set<String> previousHashes = new HashSet<>();
    List<TreeChange> changes = new ArrayList<>();
    for (DatumRecord datum : previous) {
      previousHashes.add(datum.hash());
      if (currentHashes.contains(datum.hash())) {
        continue;
      }
      for (PutContent file : outputs(outputsByHash, datum)) {
        String path = TreePaths.normalize(file.getPath());
        if (!writerByPath.containsKey(path)) {
          changes.add(new TreeChange.Delete(path));
        }
      }
    }
    for (DatumRecord datum : current) {
      if (previousHashes.contains(datum.hash())) {
        continue;
      }
      for (PutContent file : outputs(outputsByHash, datum)) {
        changes.add(new TreeChange.PutFile(file.getPath(), Protos.content(file)));
      }
    }
    return changes;
  }

  private static List<PutContent> outputs(Map<String, List<PutContent>> outputsByHash, DatumRecord datum) {
    List<PutContent> files = outputsByHash.get(datum.hash());
    if (files == null) {
      throw new PfsException(
          ErrorCode.INTERNAL, "The outputs of datum " + datum.id() + " (job " + datum.producedByJob() + ") are missing");
    }
    return files;
  }
}
