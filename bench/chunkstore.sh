#!/usr/bin/env bash
# Whole-system benchmark of the chunk store beside restic 0.14, in the same run on the same disk:
# ingest of a 1 GiB random file, the cost of a 1 MiB edit, read-back (cold and memory-cached),
# chunk+hash alone, and a 4 GiB ingest in a 512 MiB heap. Prints one figure a line on stdout;
# progress goes to stderr. Needs restic, ~15 GiB free under ${TMPDIR:-/var/tmp}, 2-5 minutes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v restic >/dev/null || { echo "restic is not installed (apt-get install -y restic)" >&2; exit 1; }
cp="$("$here/classpath.sh")"

work="$(mktemp -d "${TMPDIR:-/var/tmp}/tusk-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s%N; }
# mib_per_s BYTES START_NS END_NS
mib_per_s() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.0f", b / 1048576 / ((e - s) / 1e9) }'; }
gib_per_s() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.2f", b / 1073741824 / ((e - s) / 1e9) }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
# value KEY FILE: the value of a key=value line that IngestBenchmark printed
value() { sed -n "s/^$1=//p" "$2"; }
drop_caches() {
  sync
  if ! { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null; then
    log "cannot drop the page cache (not root?): 'cold' reads may come from memory"
  fi
}
# peak_rss_mib FILE: from the report of /usr/bin/time -v
peak_rss_mib() {
  awk -F': ' '/Maximum resident set size/ { rss = sprintf("%.0f", $2 / 1024) } END { print rss ? rss : "n/a" }' "$1"
}
timed() {
  if [[ -x /usr/bin/time ]]; then /usr/bin/time -v -o "$1" "${@:2}"; else : > "$1"; "${@:2}"; fi
}

size=$((1 << 30))
log "writing 1 GiB of random data and a copy with 1 MiB overwritten in the middle, in $work"
head -c 1G /dev/urandom > "$work/a"
cp "$work/a" "$work/b"
head -c 1M /dev/urandom |
  dd of="$work/b" bs=512K seek=$((size / 2 / 524288 - 1)) count=2 iflag=fullblock conv=notrunc status=none
# Write the 2 GiB of inputs back now: left dirty, the kernel flushes them 30 s later, in the middle
# of whichever measurement runs then, competing with its fsyncs.
sync

log "restic: init, back up the file, back up the edited copy"
export RESTIC_PASSWORD=tusk-bench RESTIC_REPOSITORY="$work/restic" RESTIC_CACHE_DIR="$work/restic-cache"
restic init --quiet >/dev/null
t0=$(now); restic backup --quiet "$work/a" >/dev/null; t1=$(now)
restic_ingest=$(mib_per_s "$size" "$t0" "$t1")
before=$(du -sb "$work/restic" | cut -f1)
t0=$(now); restic backup --quiet "$work/b" >/dev/null; t1=$(now)
restic_rescan=$(mib_per_s "$size" "$t0" "$t1")
restic_added=$(( $(du -sb "$work/restic" | cut -f1) - before ))

log "tusk: ingest, ingest the edited copy, read back twice, chunk+hash"
# A pre-touched heap: on VMs that back memory lazily, first-touching pages costs seconds per GiB
# (see README.md), which is the machine's cost, not the code's.
java -Xms3g -Xmx3g -XX:+AlwaysPreTouch -cp "$cp" dev.tusk.bench.IngestBenchmark full "$work/tusk" "$work/a" "$work/b" > "$work/tusk.out"

log "raw reads of the file: cold (page cache dropped), then from the page cache"
drop_caches
t0=$(now); dd if="$work/a" of=/dev/null bs=1M status=none; t1=$(now)
raw_cold=$(gib_per_s "$size" "$t0" "$t1")
t0=$(now); dd if="$work/a" of=/dev/null bs=1M status=none; t1=$(now)
raw_warm=$(gib_per_s "$size" "$t0" "$t1")

log "memory: a 4 GiB file with -Xmx512m (tusk), and restic on the same file"
rm -rf "$work/tusk" "$work/b"
head -c 4G /dev/urandom > "$work/big"
big_status=ok
if ! timed "$work/tusk-big.time" java -Xmx512m -cp "$cp" dev.tusk.bench.IngestBenchmark ingest \
    "$work/tusk-big" "$work/big" > "$work/tusk-big.out"; then
  big_status=FAILED
fi
t0=$(now); timed "$work/restic-big.time" restic backup --quiet "$work/big" >/dev/null; t1=$(now)
restic_big=$(mib_per_s $((4 * size)) "$t0" "$t1")

out="$work/tusk.out"
tusk_ingest=$(printf '%.0f' "$(value tusk.ingest.mibps "$out")")
tusk_rescan=$(printf '%.0f' "$(value tusk.rescan.mibps "$out")")
chunkhash=$(printf '%.0f' "$(value tusk.chunkhash.mibps "$out")")
echo "tusk ingest 1GiB: $tusk_ingest MiB/s   restic backup: $restic_ingest MiB/s   ratio: $(ratio "$tusk_ingest" "$restic_ingest")"
echo "edit 1MiB in the middle adds: tusk $(mib "$(value tusk.edit.added.bytes "$out")") MiB, restic $(mib "$restic_added") MiB"
echo "re-ingest the edited copy: tusk $tusk_rescan MiB/s   restic: $restic_rescan MiB/s   ratio: $(ratio "$tusk_rescan" "$restic_rescan")"
echo "read back (first, page cache $(value tusk.pagecache "$out")): $(value tusk.read.first.gibps "$out") GiB/s   raw cold file read: $raw_cold GiB/s"
echo "read back (memory cache): $(value tusk.read.cached.gibps "$out") GiB/s (target 1.5)   raw page-cache file read: $raw_warm GiB/s"
echo "chunk+hash: $chunkhash MiB/s (target 600; restic rescan $restic_rescan MiB/s)"
if [[ $big_status == ok ]]; then
  big_out="$work/tusk-big.out"
  tusk_big=$(printf '%.0f' "$(value tusk.ingest.mibps "$big_out")")
  memory="peak RSS $(peak_rss_mib "$work/tusk-big.time") MiB, heap peak $(printf '%.0f' "$(value jvm.heap.peak.mib "$big_out")") MiB"
else
  tusk_big="-"
  memory="see stderr"
fi
echo "ingest 4GiB with -Xmx512m: $big_status, $tusk_big MiB/s, $memory   restic: $restic_big MiB/s, peak RSS $(peak_rss_mib "$work/restic-big.time") MiB"
[[ $big_status == ok ]]
