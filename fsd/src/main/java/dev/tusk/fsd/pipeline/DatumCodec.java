package dev.tusk.fsd.pipeline;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tusk.api.v1.DatumInfo;
import dev.tusk.api.v1.DatumInput;
import dev.tusk.api.v1.DatumOutputs;
import dev.tusk.api.v1.PutContent;
import java.util.ArrayList;
import java.util.List;

/**
 * How a datum's inputs and outputs are stored: as the API's own messages, so that what the store
 * holds is exactly what clients are shown.
 */
public final class DatumCodec {
  private DatumCodec() {}

  static DatumInput input(Datum.DatumFile file) {
    return DatumInput.newBuilder()
        .setName(file.inputName())
        .setRepo(file.repo())
        .setBranch(file.branch())
        .setCommit(file.commit())
        .setPath(file.path())
        .setHash(file.hash())
        .setDirectory(file.directory())
        .setEmptyFiles(file.emptyFiles())
        .build();
  }

  static byte[] encodeInputs(List<Datum.DatumFile> files) {
    DatumInfo.Builder info = DatumInfo.newBuilder();
    files.forEach(f -> info.addInputs(input(f)));
    return info.build().toByteArray();
  }

  public static List<DatumInput> decodeInputs(byte[] encoded) {
    try {
      return DatumInfo.parseFrom(encoded).getInputsList();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("A stored datum's inputs are unreadable", e);
    }
  }

  static byte[] encodeOutputs(List<PutContent> files) {
    return DatumOutputs.newBuilder().addAllFiles(files).build().toByteArray();
  }

  static List<PutContent> decodeOutputs(byte[] encoded) {
    try {
      return new ArrayList<>(DatumOutputs.parseFrom(encoded).getFilesList());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("A stored datum's outputs are unreadable", e);
    }
  }
}
