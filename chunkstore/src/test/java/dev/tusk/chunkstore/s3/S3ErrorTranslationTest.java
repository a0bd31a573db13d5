package dev.tusk.chunkstore.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tusk.chunkstore.TransientStoreException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Which S3 failures are worth retrying, and what the resulting messages say. */
class S3ErrorTranslationTest {

  private static S3Exception service(int status, String code, String message) {
    return (S3Exception)
        S3Exception.builder()
            .statusCode(status)
            .awsErrorDetails(
                AwsErrorDetails.builder().errorCode(code).errorMessage(message).build())
            .message(message)
            .build();
  }

  private static IOException translate(SdkException e) {
    return S3ObjectStore.translate("get", "s3://bucket/p/k", e);
  }

  @Test
  void throttlingAndServerErrorsAreTransient() {
    assertThat(translate(service(503, "SlowDown", "Please reduce your request rate.")))
        .isInstanceOf(TransientStoreException.class)
        .hasMessage(
            "Cannot get s3://bucket/p/k: SlowDown (HTTP 503): Please reduce your request rate.");
    assertThat(translate(service(429, "TooManyRequests", "slow down")))
        .isInstanceOf(TransientStoreException.class);
    assertThat(translate(service(500, "InternalError", "oops")))
        .isInstanceOf(TransientStoreException.class);
    assertThat(translate(service(409, "ConditionalRequestConflict", "try again")))
        .isInstanceOf(TransientStoreException.class);
    assertThat(translate(service(400, "RequestTimeout", "idle too long")))
        .isInstanceOf(TransientStoreException.class);
  }

  @Test
  void clientErrorsArePermanentAndKeepTheServiceCode() {
    IOException e = translate(service(403, "SignatureDoesNotMatch", "The signature differs."));
    assertThat(e)
        .isNotInstanceOf(TransientStoreException.class)
        .hasMessage(
            "Cannot get s3://bucket/p/k: SignatureDoesNotMatch (HTTP 403): The signature differs.");
    assertThat(translate(service(404, "NoSuchBucket", "gone")))
        .isNotInstanceOf(TransientStoreException.class);
  }

  @Test
  void networkFailuresAreTransient() {
    assertThat(
            translate(
                SdkClientException.create("Unable to execute", new ConnectException("refused"))))
        .isInstanceOf(TransientStoreException.class)
        .hasMessageContaining("Unable to execute");
    assertThat(
            translate(SdkClientException.create("x", new SocketTimeoutException("read timed out"))))
        .isInstanceOf(TransientStoreException.class);
    assertThat(translate(ApiCallAttemptTimeoutException.create(1000)))
        .isInstanceOf(TransientStoreException.class);
  }

  @Test
  void clientFailuresWithoutIoAreNotTransient() {
    assertThat(translate(SdkClientException.create("Unable to load credentials")))
        .isNotInstanceOf(TransientStoreException.class)
        .hasMessageContaining("Unable to load credentials");
    assertThat(translate(SdkClientException.create("x", new SSLHandshakeException("bad cert"))))
        .isNotInstanceOf(TransientStoreException.class);
  }
}
