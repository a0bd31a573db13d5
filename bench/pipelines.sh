#!/usr/bin/env bash
# Whole-system benchmark of pipelines (issue 5), each figure beside a baseline measured in the same
# run, on the bubblewrap runtime:
#   - commit to output commit of a one-datum job (beside the commit alone, and one bare bwrap run);
#   - 10,000 one-file datums with parallelism 2, in datums/s (beside 10,000 bare bwrap runs in two
#     lanes, a sandbox each, and 10,000 commands in two kept bwrap sandboxes, a shell forking each:
#     the floors of the two ways to run datums);
#   - the job after adding one file to those 10,000 (must process 1 and skip 10,000);
#   - one datum writing 6,000 files of 3 KB (beside the same awk on the host, and `tusk put file -r`
#     of those files).
# Usage: bench/pipelines.sh [datums]   (10,000 by default). Prints key=value lines on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
datums="${1:-10000}"
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s%N; }

log "building the CLI and the benchmarks"
classpath="$("$here/classpath.sh")"

work="$(mktemp -d "${TMPDIR:-/var/tmp}/tusk-pipelines.XXXXXX")"
daemon_pid=""
cleanup() {
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  pkill -f "dev.tusk.agent.AgentMain.*$work" 2>/dev/null || true
  grep " $work/" /proc/mounts | awk '{ print $2 }' | xargs -r -n1 fusermount -u 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$(( 20000 + RANDOM % 20000 ))
address="127.0.0.1:$port"
log "starting a daemon on $address"
java -Xmx1g -cp "$classpath" dev.tusk.cli.Tusk daemon --data "$work/data" --listen "$address" \
  > "$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 600); do
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log" >&2; exit 1; }
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

bwrap_true() {
  bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL --clearenv \
    --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
    --proc /proc --dev /dev --tmpfs /tmp --tmpfs /pfs sh -c 'cp /dev/null /pfs/x'
}

log "baseline: one bare bwrap run, and $datums of them in two lanes"
t0=$(now)
bwrap_true
echo "baseline_bwrap_once_ms=$(( ($(now) - t0) / 1000000 ))"
t0=$(now)
lane() { for _ in $(seq $(( datums / 2 ))); do bwrap_true; done; }
lane & lane1=$!
lane & lane2=$!
wait "$lane1" "$lane2"
secs=$(awk -v ns=$(( $(now) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }')
echo "baseline_bwrap_per_s=$(awk -v n="$datums" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')"

log "baseline: $datums commands in two kept bwrap sandboxes"
kept_lane() {
  bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL --clearenv \
    --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
    --proc /proc --dev /dev --tmpfs /tmp --tmpfs /pfs \
    sh -c 'i=0; while [ $i -lt "$1" ]; do sh -c "cp /dev/null /pfs/x"; i=$((i + 1)); done' sh $(( datums / 2 ))
}
t0=$(now)
kept_lane & lane1=$!
kept_lane & lane2=$!
wait "$lane1" "$lane2"
secs=$(awk -v ns=$(( $(now) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }')
echo "baseline_kept_bwrap_per_s=$(awk -v n="$datums" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')"

log "baseline: 6,000 files of 3 KB written by awk on the host, then tusk put file -r"
mkdir -p "$work/out"
t0=$(now)
awk -v dir="$work/out" 'BEGIN { s = sprintf("%2990s", ""); for (i = 0; i < 6000; i++) {
  f = dir "/f" i; printf "%s%010d", s, i > f; close(f) } }'
echo "baseline_awk_6000_files_s=$(awk -v ns=$(( $(now) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }')"
java -cp "$classpath" dev.tusk.cli.Tusk --address "$address" create repo putbase > /dev/null
t0=$(now)
java -cp "$classpath" dev.tusk.cli.Tusk --address "$address" put file -r putbase@master:/ -f "$work/out" > /dev/null
echo "baseline_put_6000_files_s=$(awk -v ns=$(( $(now) - t0 )) 'BEGIN { printf "%.2f", ns / 1e9 }')"

log "pipelines: latency, $datums datums, the incremental job, 6,000 output files"
java -Xmx1g -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener -cp "$classpath" dev.tusk.bench.PipelineBenchmark "$address" "$datums"
