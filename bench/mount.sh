#!/usr/bin/env bash
# Whole-system benchmark of the FUSE mount (tusk mount), each figure beside baselines measured in
# the same run: cfs (a C libfuse filesystem serving from memory, ../shared/baselines/cfs.c, the
# ceiling), s3fs 1.90 and rclone 1.60 over an s3proxy 4.1.0 bucket holding the same bytes.
#   1. warm sequential read of a committed 1 GiB file (local store) vs cfs and rclone's warm read
#   2. cold read of 1 GiB kept in s3proxy vs s3fs
#   3. first ls -l of a 2,000-file directory and first cat of its 2,000 x 64 KiB files vs s3fs
#   4. write 1 GiB through a --write mount until committed: local store (target), s3proxy vs s3fs,
#      and cfs /rw as the ceiling
#   5. the mount's peak RSS reading 10 GiB with -Xmx512m
# Until `tusk mount` exists the tusk side prints "n/a (tusk mount not built)" and every baseline
# is still measured. Prints one figure a line on stdout; progress goes to stderr. Runs as root (it
# installs what is missing, drops the page cache and mounts); needs ~8 GiB free under
# ${TMPDIR:-/var/tmp} (~20 GiB with the tusk side), 3 minutes for the baselines alone, ~10 with tusk.
# For focused measurements (the full run is the default):
#   MOUNT_FIGURES=warm,cold,first,write,memory  runs only the figures named (1..5 above)
#   MOUNT_OLD_APP=DIR  DIR holds an older build's tusk-cli.jar and lib/ (a copy of cli/target):
#     figures 1-4 also measure a mount of that build, alternating with this one in the same run,
#     and print it on a line of its own with the ratio new/old (the daemons stay this build's, and
#     both run through this checkout's bin/tusk, so with its JVM options)
#   MOUNT_OLD_BIN=DIR  with MOUNT_OLD_APP: DIR (an older checkout's bin/) gives the old build's
#     bin/tusk and JIT directives instead, so that the A/B covers JVM options too
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
baselines="$(cd "$root/../shared/baselines" 2>/dev/null && pwd)" ||
  { echo "no ../shared/baselines (cfs.c) beside this checkout" >&2; exit 1; }
log() { echo "[$(date +%T)] $*" >&2; }
die() { log "$*"; exit 1; }
now() { date +%s%N; }
# The AWS CLI's CA bundle on these machines breaks plain-http endpoints for s3fs and rclone.
unset AWS_CA_BUNDLE

# ---- what it needs ----
install_missing() {
  local pkgs=() cmd
  for cmd in s3fs:s3fs rclone:rclone gcc:gcc pkg-config:pkg-config fusermount:fuse \
      /usr/bin/time:time curl:curl; do
    command -v "${cmd%%:*}" > /dev/null || pkgs+=("${cmd##*:}")
  done
  pkg-config --exists fuse 2> /dev/null || pkgs+=(libfuse-dev)
  ((${#pkgs[@]})) || return 0
  [[ $(id -u) == 0 ]] || die "missing ${pkgs[*]}: run as root, or apt-get install -y ${pkgs[*]}"
  log "installing ${pkgs[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >&2
}
s3proxy_jar() {
  local jar="$HOME/.m2/repository/org/gaul/s3proxy/4.1.0/s3proxy-4.1.0-jar-with-dependencies.jar"
  if [[ ! -f $jar ]]; then
    log "fetching s3proxy 4.1.0 into the local Maven repository"
    mvn -B -q -Dstyle.color=never dependency:get -Dtransitive=false \
      -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies >&2
  fi
  echo "$jar"
}
build_tusk() {
  local build=(-f "$root/pom.xml" -pl cli -am package -DskipTests)
  if ! mvn -B -q -Dstyle.color=never -o "${build[@]}" >&2; then
    log "offline build failed; retrying online"
    mvn -B -q -Dstyle.color=never "${build[@]}" >&2
  fi
}

install_missing
[[ $(id -u) == 0 ]] || die "run as root: the script mounts FUSE filesystems and drops the page cache"
[[ -c /dev/fuse ]] || die "no /dev/fuse"
s3proxy="$(s3proxy_jar)"
log "building the CLI"
build_tusk

work="$(mktemp -d "${TMPDIR:-/var/tmp}/tusk-mount.XXXXXX")"
mkdir -p "$work/logs" "$work/mnt"

# ---- processes and mounts, all undone at exit ----
declare -A owner=() # mount point -> pid of the process serving it
pids=()             # every background process started, in order
declare -A name_of=() # pid -> the name its output goes under (logs/NAME.log)
# is_mounted DIR: whether DIR is a mount point now (from mountinfo: no call into the FUSE process)
is_mounted() { awk -v d="$1" '$5 == d { found = 1 } END { exit !found }' /proc/self/mountinfo; }
# ours PID: whether PID is still a child of this shell (so never someone else's reused pid)
ours() { [[ -r /proc/$1/stat ]] && [[ $(awk '{ print $4 }' "/proc/$1/stat" 2> /dev/null) == "$$" ]]; }
# alive PID: ours and not yet exited
alive() { ours "$1" && [[ $(awk '{ print $3 }' "/proc/$1/stat" 2> /dev/null) != Z ]]; }
# stop PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 30); reaps it
stop() {
  local pid="$1" i
  if alive "$pid"; then
    kill "$pid" 2> /dev/null || true
    for ((i = 0; i < ${2:-30} * 10; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "${name_of[$pid]:-pid $pid} (pid $pid) did not stop within ${2:-30} s of SIGTERM: SIGKILL; its log ends:"
      tail -n 5 "$work/logs/${name_of[$pid]:-none}".{out,log} >&2 2> /dev/null || true
      kill -9 "$pid" 2> /dev/null || true
    fi
  fi
  wait "$pid" 2> /dev/null || true
}
# unmount DIR: fusermount -u, else umount -l; then the process serving DIR ends (or is stopped)
unmount() {
  local dir="$1" pid="${owner[$1]:-}" i
  if is_mounted "$dir"; then
    fusermount -u "$dir" 2> /dev/null || umount -l "$dir" 2> /dev/null || umount -f -l "$dir" 2> /dev/null ||
      log "could not unmount $dir"
  fi
  if [[ -n $pid ]]; then
    # Unmounting ends a FUSE process; a tusk --write mount first finishes its commits.
    for ((i = 0; i < 300; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    stop "$pid" 5
    unset "owner[$dir]"
  fi
}
cleanup() {
  set +e
  trap '' INT TERM
  local dir pid
  for dir in "${!owner[@]}"; do unmount "$dir"; done
  for dir in $(awk -v w="$work/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo); do unmount "$dir"; done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop "${pids[i]}" 20; done
  if awk -v w="$work/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    log "something is still mounted under $work: not removing it"
  else
    rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME CMD...: runs CMD in the background, output in logs/NAME.{out,log}; sets pid
start() {
  local name="$1"
  shift
  "$@" > "$work/logs/$name.out" 2> "$work/logs/$name.log" &
  pid=$!
  pids+=("$pid")
  name_of[$pid]=$name
}
# start_fuse NAME DIR CMD...: runs a FUSE process serving DIR, waits until DIR is mounted and, for
# tusk, until it printed "mounted"; sets pid
start_fuse() {
  local name="$1" dir="$2" i
  shift 2
  ! is_mounted "$dir" || die "$dir is still mounted"
  mkdir -p "$dir"
  start "$name" "$@"
  owner[$dir]=$pid
  for ((i = 0; i < 1200; i++)); do
    if is_mounted "$dir" && { [[ $name != tusk* ]] || grep -q '^mounted ' "$work/logs/$name.out"; }; then
      return 0
    fi
    alive "$pid" || break
    sleep 0.1
  done
  tail -n 20 "$work/logs/$name.log" >&2
  die "$name did not mount $dir"
}
# bdi DIR: the kernel's backing device of the mount at DIR (for read_ahead_kb)
bdi() { echo "/sys/class/bdi/$(awk -v d="$1" '$5 == d { print $3 }' /proc/self/mountinfo)"; }
drop_caches() {
  sync
  { echo 3 > /proc/sys/vm/drop_caches; } 2> /dev/null || log "cannot drop the page cache"
}
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null || { echo "$port"; return; }
  done
}
# wait_port PORT PID NAME: until something listens on PORT, while PID lives
wait_port() {
  local i
  for ((i = 0; i < 600; i++)); do
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
    ours "$2" || break
    sleep 0.1
  done
  tail -n 20 "$work/logs/$3.log" "$work/logs/$3.out" >&2
  die "$3 did not listen on port $1"
}

# ---- figures ----
# timed CMD...: runs CMD; sets secs (wall)
timed() {
  local t0 t1
  t0=$(now)
  "$@"
  t1=$(now)
  secs=$(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.4f", (e - s) / 1e9 }')
}
read_file() { dd if="$1" of=/dev/null bs=1M status=none; }
write_file() { dd if="$1" of="$2" bs=1M status=none; }
ls_dir() { ls -l "$1" > /dev/null; }
cat_dir() { (cd "$1" && cat -- * > /dev/null); }
mib_s() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1048576 / s }'; }
# ratio A B: A/B, or n/a when either is not a number
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.0f", s * 1000 }'; }
na="n/a (tusk mount not built)"
# with_unit VALUE UNIT: "VALUE UNIT", or VALUE alone when it is not a number (n/a)
with_unit() { if [[ $1 == n/a* ]]; then echo "$1"; else echo "$1 $2"; fi; }
in_ms() { if [[ $1 == n/a* ]]; then echo "$1"; else echo "$(ms "$1") ms"; fi; }

gib=$((1 << 30))
small_files=2000
small_bytes=65536

# ---- the tusk side ----
# A snapshot of what was just built, run through a copy of bin/tusk (so with exactly its JVM
# options for `mount`): someone rebuilding cli/ during the run cannot change or pause it.
mkdir -p "$work/app/bin" "$work/app/cli/target"
cp "$root/bin/tusk" "$root/bin/mount-jit.json" "$work/app/bin/"
cp -r "$root/cli/target/tusk-cli.jar" "$root/cli/target/lib" "$work/app/cli/target/"
tusk="$work/app/bin/tusk"
have_mount=false
# (Before the mount, `tusk mount --help` prints the root command's help and exits 0.)
if "$tusk" mount --help 2> /dev/null | grep -q '^Usage: tusk mount'; then have_mount=true; fi
# The mount's JVM for figures 1-4: a heap whose memory cache (a quarter of it, ChunkStoreConfig)
# holds the whole 1 GiB file, so the warm read can come from the process's memory.
mount_opts="${TUSK_MOUNT_JAVA_OPTS:--Xmx5g}"
figures=",${MOUNT_FIGURES:-warm,cold,first,write,memory},"
wants() { [[ $figures == *",$1,"* ]]; }
# The builds whose mounts figures 1-4 measure: this one ("new"), and MOUNT_OLD_APP's ("old").
builds=(new)
declare -A tusk_of=([new]="$tusk")
if [[ -n ${MOUNT_OLD_APP:-} ]]; then
  [[ -f $MOUNT_OLD_APP/tusk-cli.jar && -d $MOUNT_OLD_APP/lib ]] ||
    die "MOUNT_OLD_APP=$MOUNT_OLD_APP holds no tusk-cli.jar and lib/"
  mkdir -p "$work/app-old/bin" "$work/app-old/cli/target"
  old_bin="${MOUNT_OLD_BIN:-$root/bin}"
  cp "$old_bin/tusk" "$old_bin"/*.json "$work/app-old/bin/"
  cp -r "$MOUNT_OLD_APP/tusk-cli.jar" "$MOUNT_OLD_APP/lib" "$work/app-old/cli/target/"
  tusk_of[old]="$work/app-old/bin/tusk"
  builds+=(old)
fi
mount_build=new # the build start_mount runs
# ab_line FIGURE UNIT NEW OLD: the old build's figure beside the new one's, when there is one
ab_line() {
  [[ -n ${MOUNT_OLD_APP:-} ]] || return 0
  echo "  $1: tusk new $(with_unit "$3" "$2")   tusk old (MOUNT_OLD_APP): $(with_unit "$4" "$2")   ratio new/old $(ratio "$3" "$4")"
}
# start_daemon NAME [--store URL]: a daemon with -Xmx1g on a free port; sets address
start_daemon() {
  local name="$1" port
  shift
  port=$(free_port)
  address="127.0.0.1:$port"
  TUSK_JAVA_OPTS=-Xmx1g start "$name" "$tusk" daemon --data "$work/$name" --listen "$address" "$@"
  wait_port "$port" "$pid" "$name"
}
# start_mount NAME DIR ADDRESS JAVA_OPTS [mount args...]: a fresh tusk mount at DIR; sets pid
start_mount() {
  local name="$1" dir="$2" addr="$3" opts="$4"
  shift 4
  TUSK_ADDRESS="$addr" TUSK_JAVA_OPTS="$opts" start_fuse "$name" "$dir" "${tusk_of[$mount_build]}" mount "$dir" "$@"
}
tusk_at() { TUSK_ADDRESS="$1" "$tusk" "${@:2}"; }

# ---- the baselines' servers ----
cfs="$work/cfs"
# The tusk mount's own FUSE options (mount/.../TuskMount.fuseOptions): cfs gets the same, and
# the same read_ahead_kb as tusk's mount (1 MiB; copied from it when there is one).
fuse_opts="fsname=cfs,subtype=cfs,big_writes,auto_cache,entry_timeout=1,attr_timeout=1,negative_timeout=1,auto_unmount"
read_ahead_kb=1024
s3_id=tusk-identity
s3_secret=tusk-credential
start_s3proxy() {
  local port
  port=$(free_port)
  s3_endpoint="http://127.0.0.1:$port"
  mkdir -p "$work/s3"
  cat > "$work/s3proxy.properties" << EOF
s3proxy.endpoint=$s3_endpoint
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$s3_id
s3proxy.credential=$s3_secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/s3
EOF
  start s3proxy java -Xmx1g -jar "$s3proxy" --properties "$work/s3proxy.properties"
  wait_port "$port" "$pid" s3proxy
  # rclone (uploads, and the rclone mount) through a remote defined in the environment only
  export RCLONE_CONFIG="$work/rclone.conf" RCLONE_CONFIG_S3P_TYPE=s3 RCLONE_CONFIG_S3P_PROVIDER=Other \
    RCLONE_CONFIG_S3P_ENDPOINT="$s3_endpoint" RCLONE_CONFIG_S3P_ACCESS_KEY_ID="$s3_id" \
    RCLONE_CONFIG_S3P_SECRET_ACCESS_KEY="$s3_secret" RCLONE_CONFIG_S3P_REGION=us-east-1 \
    RCLONE_CONFIG_S3P_FORCE_PATH_STYLE=true
  : > "$RCLONE_CONFIG"
  echo "$s3_id:$s3_secret" > "$work/s3fs.passwd"
  chmod 600 "$work/s3fs.passwd"
}
# The daemon's store URL; the mount gets the same one.
s3_store() {
  echo "s3://tusk/bench?endpoint=$s3_endpoint&path_style=true&region=us-east-1&access_key=$s3_id&secret_key=$s3_secret"
}
mount_cfs() { # mount_cfs DIR [ro]
  start_fuse cfs "$1" "$cfs" "$1" -f -o "$fuse_opts${2:+,$2}"
  # After the first request: the kernel caps read-ahead at what FUSE's INIT reply says (128 KiB
  # from libfuse2), and the mount shows in mountinfo before that reply.
  stat "$1" > /dev/null
  echo "$read_ahead_kb" > "$(bdi "$1")/read_ahead_kb"
}
mount_s3fs() { # mount_s3fs DIR: the plain bucket, s3fs's defaults otherwise
  mkdir -p "$work/s3fs-tmp"
  start_fuse s3fs "$1" s3fs plain "$1" -f -o "url=$s3_endpoint,use_path_request_style,endpoint=us-east-1" \
    -o "passwd_file=$work/s3fs.passwd,tmpdir=$work/s3fs-tmp"
}
mount_rclone() { # mount_rclone DIR: the plain bucket, full VFS cache under the work dir
  start_fuse rclone "$1" rclone mount s3p:plain "$1" --vfs-cache-mode full --cache-dir "$work/rclone-cache"
}

# ---- 1. warm read of 1 GiB: tusk (local store) vs cfs and rclone ----
figure_warm_read() {
  local m="$work/mnt/warm" tusk_ra=- cfs_warm cfs_repeat rclone_cold rclone_warm b
  local -A warm=([new]=$na [old]=$na) repeat=([new]=$na [old]=$na)
  if $have_mount; then
    for b in "${builds[@]}"; do
      log "1. warm read: tusk mount ($b build, local store): read once, drop the page cache, read twice"
      mount_build=$b
      start_mount tusk-warm "$m" "$local_address" "$mount_opts"
      mount_build=new
      tusk_ra=$(cat "$(bdi "$m")/read_ahead_kb")
      read_ahead_kb=$tusk_ra
      read_file "$m/bench@master/big"
      drop_caches
      timed read_file "$m/bench@master/big"
      warm[$b]=$(mib_s "$gib" "$secs")
      timed read_file "$m/bench@master/big"
      repeat[$b]=$(mib_s "$gib" "$secs")
      unmount "$m"
    done
  fi
  local tusk_warm=${warm[new]} tusk_repeat=${repeat[new]}
  log "1. warm read: cfs /big, the same way"
  mount_cfs "$m" ro
  read_file "$m/big"
  drop_caches
  timed read_file "$m/big"
  cfs_warm=$(mib_s "$gib" "$secs")
  timed read_file "$m/big"
  cfs_repeat=$(mib_s "$gib" "$secs")
  unmount "$m"
  log "1. warm read: rclone mount (--vfs-cache-mode full): read once (cold), drop the page cache, read again"
  rm -rf "$work/rclone-cache"
  mount_rclone "$m"
  drop_caches
  timed read_file "$m/big"
  rclone_cold=$(mib_s "$gib" "$secs")
  drop_caches
  timed read_file "$m/big"
  rclone_warm=$(mib_s "$gib" "$secs")
  unmount "$m"
  rm -rf "$work/rclone-cache"
  echo "warm read 1GiB (page cache dropped): tusk $(with_unit "$tusk_warm" MiB/s)   cfs: $cfs_warm MiB/s" \
    "  ratio $(ratio "$tusk_warm" "$cfs_warm") (target 0.8)   rclone warm: $rclone_warm MiB/s" \
    "  ratio $(ratio "$tusk_warm" "$rclone_warm") (target 2)"
  echo "  repeat read (page cache kept): tusk $(with_unit "$tusk_repeat" MiB/s)   cfs: $cfs_repeat MiB/s" \
    "  ratio $(ratio "$tusk_repeat" "$cfs_repeat")   (rclone cold: $rclone_cold MiB/s;" \
    "read_ahead_kb tusk $tusk_ra, cfs $read_ahead_kb)"
  ab_line "warm read" MiB/s "${warm[new]}" "${warm[old]}"
  ab_line "repeat read" MiB/s "${repeat[new]}" "${repeat[old]}"
}

# ---- 2. cold read of 1 GiB kept in s3proxy: tusk vs s3fs ----
figure_cold_read() {
  local m="$work/mnt/cold" s3fs_cold b
  local -A cold=([new]=$na [old]=$na)
  if $have_mount; then
    for b in "${builds[@]}"; do
      log "2. cold read: tusk mount ($b build) over the s3proxy store, fresh, page cache dropped"
      mount_build=$b
      start_mount tusk-cold "$m" "$s3_address" "$mount_opts" --store "$(s3_store)"
      mount_build=new
      drop_caches
      timed read_file "$m/bench@master/big"
      cold[$b]=$(mib_s "$gib" "$secs")
      unmount "$m"
    done
  fi
  local tusk_cold=${cold[new]}
  log "2. cold read: s3fs, fresh, page cache dropped"
  mount_s3fs "$m"
  drop_caches
  timed read_file "$m/big"
  s3fs_cold=$(mib_s "$gib" "$secs")
  unmount "$m"
  echo "cold read 1GiB from s3proxy (fresh mount, page cache dropped): tusk $(with_unit "$tusk_cold" MiB/s)" \
    "  s3fs: $s3fs_cold MiB/s   ratio $(ratio "$tusk_cold" "$s3fs_cold") (target 1.5)"
  ab_line "cold read" MiB/s "${cold[new]}" "${cold[old]}"
}

# ---- 3. first ls -l and first cat of 2,000 x 64 KiB files: tusk vs s3fs ----
# first_op OP KIND: OP (ls_dir or cat_dir) on the small directory right after a fresh mount
# (page cache dropped), 3 times; KIND is s3fs, or tusk (each build in turn, alternating). Sets
# median_secs (the new build's for tusk) and, for tusk with MOUNT_OLD_APP, old_median_secs.
first_op() {
  local op="$1" kind="$2" m="$work/mnt/small" dir b
  local -A runs=([new]="" [old]="")
  local order=(s3fs)
  [[ $kind == tusk ]] && order=("${builds[@]}")
  for _ in 1 2 3; do
    for b in "${order[@]}"; do
      if [[ $kind == tusk ]]; then
        mount_build=$b
        start_mount tusk-small "$m" "$s3_address" "$mount_opts" --store "$(s3_store)"
        mount_build=new
        dir="$m/bench@master/small"
      else
        mount_s3fs "$m"
        dir="$m/small"
        b=new
      fi
      drop_caches
      timed "$op" "$dir"
      runs[$b]+=" $secs"
      unmount "$m"
    done
  done
  # shellcheck disable=SC2086
  median_secs=$(median ${runs[new]})
  old_median_secs=$na
  # shellcheck disable=SC2086
  [[ -z ${runs[old]} ]] || old_median_secs=$(median ${runs[old]})
}
figure_first_access() {
  local tusk_ls=$na tusk_cat=$na s3fs_ls s3fs_cat old_ls=$na old_cat=$na
  log "3. first ls -l and cat of $small_files files: s3fs, 3 fresh mounts each"
  first_op ls_dir s3fs
  s3fs_ls=$median_secs
  first_op cat_dir s3fs
  s3fs_cat=$median_secs
  if $have_mount; then
    log "3. first ls -l and cat of $small_files files: tusk over the s3proxy store, 3 fresh mounts each"
    first_op ls_dir tusk
    tusk_ls=$median_secs
    old_ls=$old_median_secs
    first_op cat_dir tusk
    tusk_cat=$median_secs
    old_cat=$old_median_secs
  fi
  echo "first ls -l of $small_files files (fresh mount, median of 3): tusk $(in_ms "$tusk_ls")" \
    "  s3fs: $(in_ms "$s3fs_ls")   ratio $(ratio "$tusk_ls" "$s3fs_ls") (target 0.5)"
  echo "first cat of $small_files x 64KiB files (fresh mount, median of 3): tusk $(in_ms "$tusk_cat")" \
    "  s3fs: $(in_ms "$s3fs_cat")   ratio $(ratio "$tusk_cat" "$s3fs_cat") (target 0.5)"
  ab_line "first ls -l" "" "$(in_ms "$tusk_ls")" "$(in_ms "$old_ls")"
  ab_line "first cat" "" "$(in_ms "$tusk_cat")" "$(in_ms "$old_cat")"
}

# ---- 4. write 1 GiB until committed: tusk (local, s3proxy) vs s3fs; cfs /rw the ceiling ----
# tusk_write NAME ADDRESS [mount args...]: dd into a fresh --write mount, then finish commit,
# timed together; sets write_mib_s
tusk_write() {
  local name="$1" addr="$2" m="$work/mnt/write"
  shift 2
  start_mount "$name" "$m" "$addr" "$mount_opts" --write "$@"
  cat "$work/wsrc" > /dev/null # the source from the page cache: only the writing is measured
  # A new file for each build: the second build must not overwrite the first one's committed file
  # (an identical build in both slots wrote 2.4x slower second).
  timed sh -c 'dd if="$1" of="$2" bs=1M status=none && TUSK_ADDRESS="$3" "$4" finish commit bench@master >&2' \
    sh "$work/wsrc" "$m/bench@master/written-$mount_build" "$addr" "$tusk"
  unmount "$m"
  write_mib_s=$(mib_s "$gib" "$secs")
}
figure_write() {
  local m="$work/mnt/write" tusk_local=$na tusk_s3=$na cfs_rw s3fs_w
  log "4. write 1 GiB: cfs /rw"
  mount_cfs "$m"
  cat "$work/wsrc" > /dev/null
  timed write_file "$work/wsrc" "$m/rw/written"
  cfs_rw=$(mib_s "$gib" "$secs")
  unmount "$m"
  local -A local_w=([new]=$na [old]=$na) s3_w=([new]=$na [old]=$na)
  if $have_mount; then
    for b in "${builds[@]}"; do
      mount_build=$b
      log "4. write 1 GiB: tusk --write mount ($b build) + finish commit, local store"
      tusk_write tusk-write-local "$local_address"
      local_w[$b]=$write_mib_s
      log "4. write 1 GiB: tusk --write mount ($b build) + finish commit, s3proxy store"
      tusk_write tusk-write-s3 "$s3_address" --store "$(s3_store)"
      s3_w[$b]=$write_mib_s
      mount_build=new
    done
    tusk_local=${local_w[new]}
    tusk_s3=${s3_w[new]}
  fi
  log "4. write 1 GiB: s3fs (until close returns: uploaded)"
  mount_s3fs "$m"
  cat "$work/wsrc" > /dev/null
  timed write_file "$work/wsrc" "$m/written"
  s3fs_w=$(mib_s "$gib" "$secs")
  unmount "$m"
  echo "write 1GiB until committed, local store: tusk $(with_unit "$tusk_local" MiB/s) (target 300 MiB/s)" \
    "  cfs /rw (memory, the ceiling): $cfs_rw MiB/s   ratio $(ratio "$tusk_local" "$cfs_rw")"
  echo "write 1GiB until committed, s3proxy store: tusk $(with_unit "$tusk_s3" MiB/s)" \
    "  s3fs (until close): $s3fs_w MiB/s   ratio $(ratio "$tusk_s3" "$s3fs_w") (target 2)"
  ab_line "write 1GiB until committed, local store" MiB/s "${local_w[new]}" "${local_w[old]}"
  ab_line "write 1GiB until committed, s3proxy store" MiB/s "${s3_w[new]}" "${s3_w[old]}"
}

# ---- 5. the mount's peak RSS reading 10 GiB of distinct data with -Xmx512m ----
figure_memory() {
  local m="$work/mnt/rss" hwm i
  local files=("bench@master/big")
  if ! $have_mount; then
    echo "peak RSS (VmHWM) of the mount reading 10GiB with -Xmx512m: $na"
    return
  fi
  log "5. memory: 9 more random 1 GiB files into the local store (10 GiB with /big)"
  for i in 1 2 3 4 5 6 7 8 9; do
    head -c "$gib" /dev/urandom > "$work/rss-src"
    tusk_at "$local_address" put file "bench@master:/rss/f$i" -f "$work/rss-src" >&2
    files+=("bench@master/rss/f$i")
  done
  rm -f "$work/rss-src"
  log "5. memory: a fresh tusk mount with -Xmx512m reads the 10 files"
  start_mount tusk-rss "$m" "$local_address" "-Xmx512m"
  drop_caches
  timed sh -c 'cd "$1" && shift && for f; do dd if="$f" of=/dev/null bs=1M status=none || exit; done' \
    sh "$m" "${files[@]}"
  hwm=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
  unmount "$m"
  echo "peak RSS (VmHWM) of the mount reading 10GiB with -Xmx512m: $hwm MiB   -Xmx: 512 MiB" \
    "  ratio $(ratio "$hwm" 512)   (read at $(mib_s $((10 * gib)) "$secs") MiB/s)"
}

# ---- setup: data, servers, buckets, repos ----
log "building cfs from $baselines/cfs.c"
gcc -O2 -DFUSE_USE_VERSION=26 "$baselines/cfs.c" -o "$cfs" $(pkg-config fuse --cflags --libs) -lpthread

log "writing two random 1 GiB files and $small_files random files of 64 KiB under $work"
# (Only what the figures asked for in MOUNT_FIGURES need.)
needs_big=false
{ wants warm || wants cold || wants memory; } && needs_big=true
if $needs_big; then head -c "$gib" /dev/urandom > "$work/big"; fi
if wants write; then head -c "$gib" /dev/urandom > "$work/wsrc"; fi
mkdir -p "$work/small"
if wants first; then
  head -c $((small_files * small_bytes)) /dev/urandom |
    split -a 4 -d -b "$small_bytes" - "$work/small/f"
fi

log "starting s3proxy; the same bytes into bucket 'plain' (for s3fs and rclone) with rclone"
start_s3proxy
rclone mkdir s3p:plain
rclone mkdir s3p:tusk
if $needs_big; then rclone copyto "$work/big" s3p:plain/big; fi
if wants first; then rclone copy --transfers 8 "$work/small" s3p:plain/small; fi

if $have_mount; then
  log "starting two daemons (-Xmx1g): the local store, and s3proxy's bucket 'tusk'; putting the same files"
  start_daemon daemon-local
  local_address=$address
  start_daemon daemon-s3 --store "$(s3_store)"
  s3_address=$address
  for a in "$local_address" "$s3_address"; do
    tusk_at "$a" create repo bench >&2
    if $needs_big; then tusk_at "$a" put file bench@master:/big -f "$work/big" >&2; fi
  done
  if wants first; then tusk_at "$s3_address" put file -r bench@master:/small -f "$work/small" >&2; fi
else
  log "tusk mount is not built here ('tusk mount --help' fails): measuring the baselines only"
fi

echo "# $(date -u +%FT%TZ) $(git -C "$root" rev-parse --short HEAD 2> /dev/null)  load $(cut -d' ' -f1-3 /proc/loadavg)" \
  "  mount JVM: $mount_opts   cfs -o $fuse_opts (+ro for reads)${MOUNT_FIGURES:+   figures: $MOUNT_FIGURES}${MOUNT_OLD_APP:+   old build: $MOUNT_OLD_APP}"
! wants warm || figure_warm_read
! wants cold || figure_cold_read
! wants first || figure_first_access
! wants write || figure_write
! wants memory || figure_memory

log "stopping the servers"
for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop "${pids[i]}" 60; done
