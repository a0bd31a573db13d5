#!/usr/bin/env bash
# Whole-system benchmark of the daemon and the CLI, each figure beside a baseline measured in the
# same run: put of 100,000 files of 4 KiB (beside cp -r and tar), a one-file commit in a repo of
# 1,000,000 files (beside the same commit in an empty repo) and the tree objects it adds, listing a
# 100,000-entry directory (beside ls -f and find), get of a 1 GiB file (beside the chunk store's own
# read-back), and the daemon's peak RSS. The daemon runs with -Xmx1g throughout. Diagnostic lines
# beside them: CPU seconds of the CLI and the daemon, the same work through TuskClient in-process
# (no CLI), and the CLI with the JVM options that bench/README.md suggests.
# Prints one figure a line on stdout; progress goes to stderr. Needs ~7 GiB free under
# ${TMPDIR:-/var/tmp}, 3-8 minutes; as root it drops the page cache before each first read.
#
# Options (environment):
#   PFS_ONLY=put,commit,list,get  only these parts (comma-separated; default all). commit and list
#       also run the put (they use its files). A focused run skips the plain `java -jar` lines.
#   PFS_OLD_APP=DIR  also runs the CLI figures (put, list, get) with another build, in the same run
#       against the same daemon: DIR holds bin/tusk, bin/client-jit.json and cli/target/ (tusk-cli.jar,
#       lib/) as in a checkout, e.g. a copy of main's build. Its put (of other bytes, into a repo of
#       its own) runs right before this build's (PFS_OLD_PUT=after: right after it, to see what
#       the order does to a daemon that warms up as it goes); its list and get right after this build's.
#   PFS_BUILD=no  measures what cli/target and bench/target hold, without building first.
set -euo pipefail
only="${PFS_ONLY:-put,commit,list,get}"
want() { [[ ",$only," == *",$1,"* ]]; }
for part in ${only//,/ }; do
  case "$part" in put | commit | list | get) ;; *) echo "PFS_ONLY: unknown part '$part'" >&2; exit 2 ;; esac
done
if want commit || want list; then only="$only,put"; fi
focused=false
[[ -n ${PFS_ONLY:-} ]] && focused=true
old_app="${PFS_OLD_APP:-}"
if [[ -n $old_app && ! -x $old_app/bin/tusk ]]; then
  echo "PFS_OLD_APP: no bin/tusk under '$old_app'" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s%N; }

if [[ ${PFS_BUILD:-yes} != no ]]; then
  log "building the CLI and the benchmarks"
  "$here/classpath.sh" > /dev/null
fi

work="$(mktemp -d "${TMPDIR:-/var/tmp}/tusk-pfs.XXXXXX")"
daemon_pid=""
cleanup() {
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A snapshot of what was just built, so that someone rebuilding cli/ or fsd/ during the run cannot
# change (or, via bin/tusk's rebuild-when-stale, pause) what is being measured. $tusk is a copy of
# bin/tusk beside a copy of the jar, so it runs exactly what a user runs: for client commands C1
# only, the serial GC and a class-data archive (made by the first command below); for the daemon,
# -Xms as large as -Xmx and the heap touched up front. $plain is `java -jar` without those options
# (what earlier runs of this script measured as the CLI): a diagnostic line.
mkdir -p "$work/app/bin" "$work/app/cli/target" "$work/bin"
cp "$root/bin/tusk" "$root/bin/client-jit.json" "$work/app/bin/"
cp -r "$root/cli/target/tusk-cli.jar" "$root/cli/target/lib" "$work/app/cli/target/"
cp -r "$root/bench/target/classes" "$work/app/bench"
tusk="$work/app/bin/tusk"
cat > "$work/bin/tusk-plain" <<EOF
#!/bin/sh
# shellcheck disable=SC2086
exec java \${TUSK_JAVA_OPTS:-} -jar "$work/app/cli/target/tusk-cli.jar" "\$@"
EOF
chmod +x "$work/bin/tusk-plain"
plain="$work/bin/tusk-plain"
old=""
if [[ -n $old_app ]]; then
  mkdir -p "$work/old/bin" "$work/old/cli/target"
  cp "$old_app/bin/tusk" "$old_app/bin/client-jit.json" "$work/old/bin/"
  cp -r "$old_app/cli/target/tusk-cli.jar" "$old_app/cli/target/lib" "$work/old/cli/target/"
  old="$work/old/bin/tusk"
fi
pfsbench() {
  java -Xmx1g -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener \
    -cp "$work/app/bench:$work/app/cli/target/tusk-cli.jar:$work/app/cli/target/lib/*" \
    dev.tusk.bench.PfsBenchmark "$@"
}
# value KEY FILE: the value of a key=value line that PfsBenchmark printed
value() { sed -n "s/^$1=//p" "$2"; }
int() { printf '%.0f' "$1"; }
drop_caches() {
  sync
  if ! { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null; then
    log "cannot drop the page cache (not root?): 'first' reads may come from memory"
    return 1
  fi
}
ticks_per_s=$(getconf CLK_TCK)
# daemon_cpu: the daemon's user+system CPU so far, in clock ticks
daemon_cpu() { awk '{ print $14 + $15 }' "/proc/$daemon_pid/stat"; }

# timed NAME OUT CMD...: runs CMD with stdout to OUT; sets secs (wall), cmd_cpu and dmn_cpu (CPU s
# of the command and of the daemon meanwhile)
timed() {
  local name="$1" out="$2" t0 t1 d0 d1
  shift 2
  d0=$(daemon_cpu)
  t0=$(now)
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%U %S' -o "$work/$name.time" "$@" > "$out"
  else
    echo "0 0" > "$work/$name.time"
    "$@" > "$out"
  fi
  t1=$(now)
  d1=$(daemon_cpu)
  secs=$(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
  cmd_cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$work/$name.time")
  dmn_cpu=$(awk -v a="$d0" -v b="$d1" -v t="$ticks_per_s" 'BEGIN { printf "%.1f", (b - a) / t }')
}
# stamps FILE: reads stdin to its end; writes to FILE when its first byte and its end arrived (ns)
stamps() {
  local first
  head -c 1 > /dev/null
  first=$(now)
  cat > /dev/null
  echo "$first $(now)" > "$1"
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
mib_s() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1048576 / s }'; }
gib_s() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.2f", b / 1073741824 / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

files=100000
file_bytes=4096
big_bytes=$((1 << 30))
log "writing the source files (100,000 x $file_bytes random bytes per put; 1 GiB and 256 MiB for get) under $work"
if want put; then
  pfsbench gen "$work/src/bigdir" "$files" "$file_bytes" 1
  $focused || pfsbench gen "$work/src2/bigdir" "$files" "$file_bytes" 2 # other bytes, for the plain-JVM put
  [[ -z $old ]] || pfsbench gen "$work/src3/bigdir" "$files" "$file_bytes" 3 # and for the other build's
fi
if want get; then
  head -c "$big_bytes" /dev/urandom > "$work/big"
  head -c $((big_bytes / 4)) /dev/urandom > "$work/warm"
fi
sync

log "starting a daemon with -Xmx1g"
port=$(pfsbench free-port)
address="127.0.0.1:$port"
export TUSK_ADDRESS="$address"
TUSK_JAVA_OPTS=-Xmx1g "$tusk" daemon --data "$work/data" --listen "$address" > "$work/daemon.log" 2>&1 &
daemon_pid=$!
listening=false
for _ in $(seq 240); do
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.log" >&2; echo "the daemon exited" >&2; exit 1; }
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    listening=true
    break
  fi
  sleep 0.25
done
$listening || { cat "$work/daemon.log" >&2; echo "the daemon did not listen on $address within 60 s" >&2; exit 1; }
"$tusk" create repo pfs >&2
"$tusk" create repo empty >&2
"$tusk" create repo mem >&2
"$tusk" create repo warm >&2
"$tusk" create repo plain >&2
[[ -z $old ]] || "$old" create repo old >&2 # makes its class-data archive as the first command, as for $tusk
# A user's put or listing is rarely their first: a small put and a small listing with each build
# first, at whose ends bin/tusk makes the class-data archives that get/put file and listings use.
log "a first small put and listing with each build: 100 files of $file_bytes bytes"
pfsbench gen "$work/first" 100 "$file_bytes" 4
"$tusk" put file -r warm@master:/first -f "$work/first" >&2
"$tusk" list file warm@master:/first -o json > /dev/null
if [[ -n $old ]]; then
  "$old" put file -r warm@master:/first-old -f "$work/first" >&2
  "$old" list file warm@master:/first-old -o json > /dev/null
fi
# A long-running daemon has compiled its hot paths; so warm this one up on the put path first.
log "warming the daemon up: 20,000 files of 4 KiB through TuskClient"
pfsbench fill "$address" warm 20 1000 "$file_bytes" 20 1 > /dev/null

log "CLI JVM start: tusk --version, 3 times"
start_ms=()
for _ in 1 2 3; do
  timed version /dev/null "$tusk" --version
  start_ms+=("$(awk -v s="$secs" 'BEGIN { printf "%.0f", s * 1000 }')")
done
jvm_start_ms=$(printf '%s\n' "${start_ms[@]}" | sort -n | sed -n 2p)

# ---- 1. put of 100,000 small files ----
if want put; then
log "baselines: cp -r and tar of the $files files"
timed cp /dev/null cp -r "$work/src" "$work/copy"
cp_secs=$secs
rm -rf "$work/copy"
sync
timed tar /dev/null sh -c 'tar cf - -C "$1" src | cat > /dev/null' sh "$work"
tar_secs=$secs
src_bytes=$((files * file_bytes))
put_old() {
  log "the other build: tusk put file -r old@master:/ -f $work/src3"
  timed put-old /dev/null "$old" put file -r old@master:/ -f "$work/src3"
  put_old_secs=$secs
  put_old_cli_cpu=$cmd_cpu
  put_old_daemon_cpu=$dmn_cpu
}
[[ -z $old || ${PFS_OLD_PUT:-before} == after ]] || put_old
log "tusk put file -r pfs@master:/ -f $work/src"
timed put /dev/null "$tusk" put file -r pfs@master:/ -f "$work/src"
put_secs=$secs
put_cli_cpu=$cmd_cpu
put_daemon_cpu=$dmn_cpu
[[ -z $old || ${PFS_OLD_PUT:-before} != after ]] || put_old
if ! $focused; then
  log "the same as plain java -jar (no bin/tusk JVM options)"
  timed put-plain /dev/null "$plain" put file -r plain@master:/ -f "$work/src2"
  put_plain_secs=$secs
  put_plain_cli_cpu=$cmd_cpu
fi
log "the same through TuskClient from memory (no CLI, no file reads): 100 dirs x 1,000 x 4 KiB, one stream"
pfsbench fill "$address" mem 100 1000 "$file_bytes" 100 1 > "$work/mem.out"
fi

# ---- 2. one-file commits in a repo of 1,000,000 files ----
if want commit; then
log "filling the repo up to 1,000,000 files: 900 dirs x 1,000 files of 16 bytes through TuskClient"
pfsbench fill "$address" pfs 900 1000 16 100 2 > "$work/fill.out"
log "one-file commits: 50 warm-up rounds, then 20 timed, each in the big repo and in an empty one"
pfsbench commit "$address" pfs empty "$work/data" 50 20 /tiny/d0450/f0500 /bigdir/f050000 > "$work/commit.out"
fi

# ---- 3. listing the 100,000-entry directory ----
if want list; then
log "listing pfs@master:/bigdir: in-process (5 times), tusk list file as JSON and as a table; ls -f and find"
pfsbench list "$address" pfs@master:/bigdir 5 > "$work/list.out"
timed list-json /dev/null "$tusk" list file pfs@master:/bigdir -o json
list_json_secs=$secs
list_cli_cpu=$cmd_cpu
list_daemon_cpu=$dmn_cpu
timed list-table /dev/null "$tusk" list file pfs@master:/bigdir
# Once more through a pipe that notes when the first byte and the end arrive: the streaming rate
# (first entry to last) apart from the JVM's start.
stream_t0=$(now)
"$tusk" list file pfs@master:/bigdir -o json | stamps "$work/list.stamps"
read -r stream_first stream_last < "$work/list.stamps"
stream_start_secs=$(awk -v s="$stream_t0" -v e="$stream_first" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
stream_secs=$(awk -v s="$stream_first" -v e="$stream_last" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
stream_total_secs=$(awk -v s="$stream_t0" -v e="$stream_last" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
list_table_secs=$secs
if [[ -n $old ]]; then
  timed list-old /dev/null "$old" list file pfs@master:/bigdir -o json
  list_old_secs=$secs
  list_old_cli_cpu=$cmd_cpu
  stream_t0=$(now)
  "$old" list file pfs@master:/bigdir -o json | stamps "$work/list-old.stamps"
  read -r old_first old_last < "$work/list-old.stamps"
  old_stream_start_secs=$(awk -v s="$stream_t0" -v e="$old_first" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
  old_stream_secs=$(awk -v s="$old_first" -v e="$old_last" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
fi
if ! $focused; then
  timed list-plain /dev/null "$plain" list file pfs@master:/bigdir -o json
  list_plain_secs=$secs
  list_plain_cli_cpu=$cmd_cpu
fi
timed ls /dev/null ls -f "$work/src/bigdir"
ls_secs=$secs
timed find /dev/null find "$work/src/bigdir"
find_secs=$secs
listed=$(int "$(value list.entries "$work/list.out")")
fi

# ---- 4. get of a 1 GiB file ----
if want get; then
log "tusk put file pfs@master:/big (1 GiB), then get it twice"
timed put-big /dev/null "$tusk" put file pfs@master:/big -f "$work/big"
put_big_secs=$secs
# Compile the daemon's read path on another file (256 MiB, which also fills its chunk cache).
"$tusk" put file pfs@master:/warm -f "$work/warm"
pfsbench get "$address" pfs@master:/warm 1 > /dev/null
pagecache=dropped
drop_caches || pagecache=not-dropped
timed get-first /dev/null "$tusk" get file pfs@master:/big -o /dev/null
get_first_secs=$secs
timed get-second /dev/null "$tusk" get file pfs@master:/big -o /dev/null
get_second_secs=$secs
get_cli_cpu=$cmd_cpu
if [[ -n $old ]]; then
  timed get-old /dev/null "$old" get file pfs@master:/big -o /dev/null
  get_old_secs=$secs
  get_old_cli_cpu=$cmd_cpu
fi
if ! $focused; then
  timed get-plain /dev/null "$plain" get file pfs@master:/big -o /dev/null
  get_plain_secs=$secs
  get_plain_cli_cpu=$cmd_cpu
fi
pfsbench get "$address" pfs@master:/big 2 > "$work/get.out"
log "the chunk store alone: ingest the same file into a store of its own, read it back twice"
pfsbench store "$work/store" "$work/big" "$work/warm" > "$work/store.out"
fi

# ---- 5. the daemon's memory ----
peak_rss=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$daemon_pid/status")

# ---- figures ----
c="$work/commit.out"
# One header line, so that saved output says when, what and under which load.
echo "# bench/pfs.sh $(date -u '+%Y-%m-%dT%H:%M:%SZ') commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "parts $only${old:+, old app $old_app}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
if want put; then
put_rate=$(rate "$files" "$put_secs")
cp_rate=$(rate "$files" "$cp_secs")
echo "put -r $files x 4KiB files (CLI, end to end): $put_rate files/s, $(mib_s "$src_bytes" "$put_secs") MiB/s" \
  "(target 20000 files/s)   cp -r: $cp_rate files/s, $(mib_s "$src_bytes" "$cp_secs") MiB/s" \
  "  tar | cat: $(rate "$files" "$tar_secs") files/s, $(mib_s "$src_bytes" "$tar_secs") MiB/s   put/cp: $(ratio "$put_rate" "$cp_rate")"
echo "  put CPU: CLI $put_cli_cpu s, daemon $put_daemon_cpu s in $(printf '%.1f' "$put_secs") s   in-process TuskClient" \
  "from memory: 100000 x 4 KiB, 1 stream: $(int "$(value fill.files.per.s "$work/mem.out")") files/s;" \
  "$(want commit && echo "900000 x 16 B, 2 streams: $(int "$(value fill.files.per.s "$work/fill.out")") files/s")"
if [[ -n $old ]]; then
  echo "  old app put -r: $(rate "$files" "$put_old_secs") files/s (CPU: CLI $put_old_cli_cpu s, daemon $put_old_daemon_cpu s)" \
    "  this build: $put_rate files/s (CPU: CLI $put_cli_cpu s, daemon $put_daemon_cpu s)" \
    "  new/old: $(ratio "$put_rate" "$(rate "$files" "$put_old_secs")")"
fi
fi
if want commit; then
for spec in tiny_d0450_f0500:/tiny/d0450/f0500:1000 bigdir_f050000:/bigdir/f050000:100000; do
  IFS=: read -r key path entries <<< "$spec"
  big=commit.$key
  base=commit.baseline.$key
  echo "one-file commit, 1000000-file repo, $path ($entries-entry dir):" \
    "median $(value "$big.ms.median" "$c") ms, max $(value "$big.ms.max" "$c") ms (target < 50; 20 runs after 50 warm-up)" \
    "  empty repo: median $(value "$base.ms.median" "$c") ms, max $(value "$base.ms.max" "$c") ms" \
    "  ratio $(ratio "$(value "$big.ms.median" "$c")" "$(value "$base.ms.median" "$c")")"
  echo "  new metadata per commit: $(int "$(value "$big.tree.objects.median" "$c")") tree objects," \
    "$(int "$(value "$big.tree.bytes.median" "$c")") bytes (max $(int "$(value "$big.tree.objects.max" "$c")")," \
    "$(int "$(value "$big.tree.bytes.max" "$c")") bytes)   empty repo: $(int "$(value "$base.tree.objects.median" "$c")") objects," \
    "$(int "$(value "$base.tree.bytes.median" "$c")") bytes   (+ $(int "$(value "$big.chunk.objects.median" "$c")") chunk object)"
done
fi
if want list; then
echo "list $listed entries (CLI, end to end): -o json $(rate "$listed" "$list_json_secs") entries/s (target 200000)," \
  "table $(rate "$listed" "$list_table_secs") entries/s   ls -f: $(rate "$listed" "$ls_secs") entries/s" \
  "  find: $(rate "$listed" "$find_secs") entries/s"
echo "  list -o json through a pipe: first byte after $(int "$(awk -v s="$stream_start_secs" 'BEGIN { print s * 1000 }')") ms," \
  "then $(rate "$listed" "$stream_secs") entries/s to the last (streaming rate); whole command" \
  "$(rate "$listed" "$stream_total_secs") entries/s"
echo "  in-process TuskClient: first $(int "$(value list.first.entries.per.s "$work/list.out")")," \
  "best of 5 $(int "$(value list.best.entries.per.s "$work/list.out")") entries/s   CLI JVM start (tusk --version):" \
  "$jvm_start_ms ms   list -o json CPU: CLI $list_cli_cpu s, daemon $list_daemon_cpu s"
if [[ -n $old ]]; then
  echo "  old app list -o json: $(rate "$listed" "$list_old_secs") entries/s (CLI CPU $list_old_cli_cpu s), streaming" \
    "$(rate "$listed" "$old_stream_secs") entries/s (first byte after $(int "$(awk -v s="$old_stream_start_secs" 'BEGIN { print s * 1000 }')") ms)" \
    "  this build: $(rate "$listed" "$list_json_secs") (CLI CPU $list_cli_cpu s), streaming $(rate "$listed" "$stream_secs")" \
    "  streaming new/old: $(ratio "$(rate "$listed" "$stream_secs")" "$(rate "$listed" "$old_stream_secs")")"
fi
fi
if want get; then
get_first=$(gib_s "$big_bytes" "$get_first_secs")
get_second=$(gib_s "$big_bytes" "$get_second_secs")
store_first=$(value store.read.first.gibps "$work/store.out")
store_second=$(value store.read.second.gibps "$work/store.out")
echo "get 1GiB (CLI, first, page cache $pagecache): $get_first GiB/s   chunk store first read: $store_first GiB/s" \
  "  ratio $(ratio "$get_first" "$store_first") (target 0.8)"
echo "get 1GiB (CLI, second): $get_second GiB/s   chunk store second read (page cache; chunk cache" \
  "$(int "$(value store.memory.cache.mib "$work/store.out")") MiB): $store_second GiB/s" \
  "  ratio $(ratio "$get_second" "$store_second") (target 0.8)"
echo "  in-process TuskClient get: $(value get.run1.gibps "$work/get.out"), $(value get.run2.gibps "$work/get.out")" \
  "GiB/s   put 1GiB (CLI): $(mib_s "$big_bytes" "$put_big_secs") MiB/s   chunk store ingest:" \
  "$(int "$(value store.ingest.mibps "$work/store.out")") MiB/s"
if [[ -n $old ]]; then
  echo "  old app get (after this build's second): $(gib_s "$big_bytes" "$get_old_secs") GiB/s (CLI CPU $get_old_cli_cpu s)" \
    "  this build (second): $get_second GiB/s (CLI CPU $get_cli_cpu s)" \
    "  new/old: $(ratio "$get_second" "$(gib_s "$big_bytes" "$get_old_secs")")"
fi
fi
if ! $focused; then
echo "CLI as plain java -jar (no bin/tusk options): put -r $(rate "$files" "$put_plain_secs") files/s (CPU $put_plain_cli_cpu s;" \
  "bin/tusk $put_rate, CPU $put_cli_cpu s)   list -o json $(rate "$listed" "$list_plain_secs") entries/s (CPU" \
  "$list_plain_cli_cpu s; bin/tusk $(rate "$listed" "$list_json_secs"), CPU $list_cli_cpu s)   get (second)" \
  "$(gib_s "$big_bytes" "$get_plain_secs") GiB/s (CPU $get_plain_cli_cpu s; bin/tusk $get_second, CPU $get_cli_cpu s)"
fi
echo "daemon (-Xmx1g) peak RSS: $peak_rss MiB"

log "stopping the daemon"
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=""
