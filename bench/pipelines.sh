#!/usr/bin/env bash
# Whole-system benchmark of pipelines (issue 5), each figure beside a baseline measured in the same
# run, on the bubblewrap runtime:
#   - commit to output commit of a one-datum job (beside the commit alone, and one bare bwrap run);
#   - 10,000 one-file datums with parallelism 2, in datums/s (beside 10,000 bare bwrap runs in two
#     lanes, a sandbox each, and 10,000 commands in two kept bwrap sandboxes, a shell forking each:
#     the floors of the two ways to run datums);
#   - the job after adding one file to those 10,000 (must process 1 and skip 10,000);
#     (and the CPU time per datum of the daemon, its agents and what ran in their sandboxes);
#   - one datum writing 6,000 files of 3 KB (beside the same awk on the host, and `tusk put file -r`
#     of those files).
# Usage: bench/pipelines.sh [datums]   (10,000 by default). Prints key=value lines on stdout.
# For focused measurements (everything is the default):
#   PIPELINES_FIGURES=baselines,latency,many,big  runs only the parts named: the bwrap/awk/put
#     baselines, the one-datum latency, the many-datums figure with its incremental job, the 6,000
#     output files
#   PIPELINES_OLD_CP=FILE  FILE holds the class path of an older build (e.g. a copy of main's jars):
#     the pipeline figures also run against a daemon of that build (its agents too), after this
#     build's, each with a fresh data directory; its lines are printed with the prefix "old_"
#   PIPELINES_TIMINGS=1  the agents log where their datums spend their time (TUSK_TIMINGS_LEVEL=DEBUG);
#     after each pipeline run those lines go to stderr
#   PIPELINES_CP=FILE  FILE holds the class path of the build to measure (e.g. a copy of this
#     checkout's jars, so that rebuilding meanwhile cannot change it), instead of building now
#   PIPELINES_ROUNDS=N  repeats the pipeline figures N times (alternating builds with OLD_CP)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
datums="${1:-10000}"
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s%N; }

if [[ -n ${PIPELINES_CP:-} ]]; then
  classpath="$(cat "$PIPELINES_CP")"
else
  log "building the CLI and the benchmarks"
  classpath="$("$here/classpath.sh")"
fi

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

figures=",${PIPELINES_FIGURES:-baselines,latency,many,big},"
wants() { [[ $figures == *",$1,"* ]]; }
old_cp=""
if [[ -n ${PIPELINES_OLD_CP:-} ]]; then
  old_cp="$(cat "$PIPELINES_OLD_CP")"
fi

# start_daemon CLASSPATH DATA_DIR: a daemon of that build on a fresh port; sets address, daemon_pid
start_daemon() {
  local port=$(( 20000 + RANDOM % 20000 ))
  address="127.0.0.1:$port"
  log "starting a daemon on $address"
  java -Xmx1g -cp "$1" dev.tusk.cli.Tusk daemon --data "$2" --listen "$address" \
    > "$2.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 600); do
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$2.log" >&2; exit 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
}
stop_daemon() {
  kill "$daemon_pid" 2>/dev/null || true
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=""
}
echo "# $(date -u +%FT%TZ) commit=$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD || echo +dirty) load=$(cut -d' ' -f1-3 /proc/loadavg)"

bwrap_true() {
  bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL --clearenv \
    --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 \
    --proc /proc --dev /dev --tmpfs /tmp --tmpfs /pfs sh -c 'cp /dev/null /pfs/x'
}

if wants baselines; then
start_daemon "$classpath" "$work/data"
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
stop_daemon
fi

parts=""
for f in latency many big; do wants $f && parts="$parts${parts:+,}$f"; done
[[ -n $parts ]] || exit 0
[[ -n ${PIPELINES_TIMINGS:-} ]] && export TUSK_TIMINGS_LEVEL=DEBUG
bench() {
  java -Xmx1g -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener \
    -Dtusk.bench.daemonPid="$daemon_pid" -cp "$classpath" dev.tusk.bench.PipelineBenchmark "$address" "$datums" "$parts"
}
for round in $(seq "${PIPELINES_ROUNDS:-1}"); do
  for build in this ${old_cp:+old}; do
    cp="$classpath" prefix=""
    [[ $build == old ]] && cp="$old_cp" prefix="old_"
    rm -rf "$work/data-$build"
    start_daemon "$cp" "$work/data-$build"
    echo "# round $round build=$build $(date -u +%FT%TZ) load=$(cut -d' ' -f1-3 /proc/loadavg)"
    log "pipelines ($parts), round $round, $build build"
    bench | sed "s/^/$prefix/"
    stop_daemon
    if [[ -n ${PIPELINES_TIMINGS:-} ]]; then
      grep -h "timings" "$work/data-$build"/workers/*.log >&2 || true
    fi
  done
done
