package dev.tusk.agent;

import dev.tusk.api.TuskClient;
import dev.tusk.chunkstore.ChunkStore;
import dev.tusk.chunkstore.ChunkStoreConfig;
import dev.tusk.chunkstore.ObjectStores;
import dev.tusk.container.ContainerRuntime;
import dev.tusk.container.ContainerRuntimes;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The agent process: {@code --daemon HOST:PORT --pipeline NAME --worker ID --runtime
 * bubblewrap|docker --work-dir DIR}. Exits 0 when the daemon ends the work stream, 1 when the
 * stream breaks or the agent cannot start (the daemon starts a new one), 2 on bad arguments.
 */
public final class AgentMain {
  /** As large as the daemon accepts (see the CLI's DaemonConnection). */
  private static final int MAX_MESSAGE_BYTES = 16 << 20;
  private static final String USAGE =
      "usage: pipeline-agent --daemon HOST:PORT --pipeline NAME --worker ID --runtime bubblewrap|docker --work-dir DIR";

  private AgentMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.err));
  }

  /** Runs the agent to its end and returns the exit status. */
  static int run(String[] args, PrintStream err) {
    Map<String, String> flags;
    try {
      flags = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("pipeline-agent: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    String[] hostPort = flags.get("--daemon").split(":(?=[0-9]+$)");
    if (hostPort.length != 2) {
      err.println("pipeline-agent: --daemon must be HOST:PORT, not " + flags.get("--daemon"));
      return 2;
    }
    Path workDir = Path.of(flags.get("--work-dir")).toAbsolutePath();
    ManagedChannel channel = NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
        .usePlaintext()
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .build();
    try {
      ContainerRuntime runtime = ContainerRuntimes.open(flags.get("--runtime"));
      AgentConfig config = new AgentConfig(
          flags.get("--pipeline"), flags.get("--worker"), workDir, mayAllowOther());
      String store = new TuskClient(channel).getStore();
      try (ChunkStore chunks = new ChunkStore(ObjectStores.open(store), ChunkStoreConfig.defaults());
          PipelineAgent agent = new PipelineAgent(config, channel, chunks, runtime)) {
        // SIGTERM: kill the running datum, unmount, then exit.
        Thread hook = new Thread(agent::close, "tusk-agent-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        agent.run();
        return 0;
      }
    } catch (IOException | RuntimeException e) {
      err.println("pipeline-agent " + flags.get("--worker") + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      err.println("pipeline-agent " + flags.get("--worker") + ": stopped");
      return 1;
    } finally {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** allow_other is open to root, and to others when /etc/fuse.conf says user_allow_other. */
  private static boolean mayAllowOther() throws IOException {
    if (Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
      return true;
    }
    Path conf = Path.of("/etc/fuse.conf");
    return Files.isReadable(conf)
        && Files.readAllLines(conf).stream().anyMatch(line -> line.strip().equals("user_allow_other"));
  }

  private static Map<String, String> parse(String[] args) {
    List<String> names = List.of("--daemon", "--pipeline", "--worker", "--runtime", "--work-dir");
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String value = null;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        value = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      if (!names.contains(arg)) {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
      if (value == null) {
        if (i + 1 == args.length) {
          throw new IllegalArgumentException(arg + " needs a value");
        }
        value = args[++i];
      }
      flags.put(arg, value);
    }
    for (String name : names) {
      if (flags.getOrDefault(name, "").isEmpty()) {
        throw new IllegalArgumentException("missing " + name);
      }
    }
    return flags;
  }
}
