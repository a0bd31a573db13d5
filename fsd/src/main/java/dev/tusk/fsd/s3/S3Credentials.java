package dev.tusk.fsd.s3;

import java.util.Objects;

/** The one access key the gateway accepts. {@link #toString} never shows the secret. */
public record S3Credentials(String accessKeyId, String secretAccessKey) {
  public S3Credentials {
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    if (accessKeyId.isEmpty() || secretAccessKey.isEmpty()) {
      throw new IllegalArgumentException("An S3 access key id and secret may not be empty");
    }
  }

  @Override
  public String toString() {
    return "S3Credentials[" + accessKeyId + "]";
  }
}
