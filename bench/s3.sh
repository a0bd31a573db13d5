#!/usr/bin/env bash
# Whole-system benchmark of the S3 gateway, each figure beside a baseline measured in the same run:
#   1. GetObject of a 1 GiB object with the aws CLI: Tusk's gateway vs s3proxy 4.1.0 serving the
#      same bytes from a local directory (target: at least as fast, ratio >= 1).
#   2. PutObject of the same 1 GiB with the aws CLI (multipart, 8 MiB parts), committed, vs s3proxy.
#   3. ListObjectsV2 over 100,000 keys in one directory (put by one `tusk put file -r`), paged 1,000
#      at a time by a minimal botocore-signed client that parses no XML, vs s3proxy listing the same
#      100,000 files (target: >= 50,000 keys/s).
#   4. `aws s3 cp --recursive` of 1,000 objects of 4 KiB, each one commit, vs s3proxy; and the same
#      put killed (SIGKILL) halfway: every upload the CLI acknowledged is in Tusk, and every object in
#      Tusk has exactly its bytes (nothing half-written is visible).
# Prints one figure a line on stdout; progress goes to stderr. Needs the aws CLI (/usr/bin/aws),
# rclone is not used; about 4 GiB free under ${TMPDIR:-/var/tmp}; 3-6 minutes.
#
# The GetObject figure also prints the CPU seconds each server spent per GiB it served (from
# /proc/PID/stat around each GET). Environment, all optional (the defaults run everything above):
#   S3_BENCH_ONLY=get            only figure 1 (no keys, no puts)
#   S3_BENCH_GET_ROUNDS=N        rounds of GetObject (3)
#   S3_BENCH_BASELINE_APP=DIR    a second build (DIR/tusk-cli.jar and DIR/lib, e.g. a copy of an
#                                older cli/target) whose daemon serves the same file in the same
#                                rounds: an A/B of two gateways beside s3proxy
#   S3_BENCH_APP=DIR             measure that build (as above) instead of building cli/ now
#   S3_BENCH_DAEMON_OPTS='...'   extra JVM options for the daemon(s) under test (e.g. JFR)
#   S3_BENCH_BASELINE_OPTS='...' JVM options for the baseline daemon instead of S3_BENCH_DAEMON_OPTS:
#                                with the same build in both slots, an A/B of launch flags
set -euo pipefail
only=${S3_BENCH_ONLY:-all}
rounds=${S3_BENCH_GET_ROUNDS:-3}
baseline_app=${S3_BENCH_BASELINE_APP:-}
[[ $only == all || $only == get ]] || { echo "S3_BENCH_ONLY is all or get, not '$only'" >&2; exit 2; }
[[ -z $baseline_app || -f $baseline_app/tusk-cli.jar ]] \
  || { echo "S3_BENCH_BASELINE_APP: no tusk-cli.jar in '$baseline_app'" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
log() { echo "[$(date +%T)] $*" >&2; }
die() { log "$*"; exit 1; }
now() { date +%s%N; }
[[ -x /usr/bin/aws ]] || die "needs /usr/bin/aws (apt-get install awscli, or bin/setup)"

s3proxy="$HOME/.m2/repository/org/gaul/s3proxy/4.1.0/s3proxy-4.1.0-jar-with-dependencies.jar"
if [[ ! -f $s3proxy ]]; then
  log "fetching s3proxy 4.1.0 into the local Maven repository"
  mvn -B -q -Dstyle.color=never dependency:get -Dtransitive=false \
    -Dartifact=org.gaul:s3proxy:4.1.0:jar:jar-with-dependencies >&2
fi
app=${S3_BENCH_APP:-$root/cli/target}
if [[ -z ${S3_BENCH_APP:-} ]]; then
  log "building the CLI"
  (cd "$root" && { mvn -B -q -o -Dstyle.color=never -pl cli -am package -DskipTests >&2 \
    || mvn -B -q -Dstyle.color=never -pl cli -am package -DskipTests >&2; })
fi

work="$(mktemp -d "${TMPDIR:-/var/tmp}/tusk-s3.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A copy of what was just built, so a rebuild during the run changes nothing measured.
mkdir -p "$work/app"
cp -r "$app/tusk-cli.jar" "$app/lib" "$work/app/"
if [[ -n $baseline_app ]]; then
  mkdir -p "$work/baseline-app"
  cp -r "$baseline_app/tusk-cli.jar" "$baseline_app/lib" "$work/baseline-app/"
fi
tusk() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$work/app/tusk-cli.jar" "$@"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # wait_port PORT PID NAME
  for _ in $(seq 1 300); do
    kill -0 "$2" 2>/dev/null || die "$3 exited (see $work/$3.log)"
    (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  die "$3 did not listen on $1"
}
mibps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.0f", b / 1048576 / (ns / 1e9) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
cpu_ticks() { # cpu_ticks PID: user + system clock ticks of the process so far
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

key_id=bench-key
secret=bench-secret
export AWS_ACCESS_KEY_ID=$key_id AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=us-east-1 \
  AWS_EC2_METADATA_DISABLED=true AWS_PAGER="" HOME="$work/home"
unset AWS_CA_BUNDLE AWS_PROFILE
mkdir -p "$HOME"

# ---- the data ----
log "making 1 GiB of random bytes, 100,000 keys and 1,000 small files"
head -c $((1 << 30)) /dev/urandom > "$work/big.bin"
[[ $only == get ]] && mkdir -p "$work/keys" "$work/small"
[[ $only == get ]] || /usr/bin/python3 - "$work" <<'EOF'
import os, sys
work = sys.argv[1]
os.makedirs(f"{work}/keys"); os.makedirs(f"{work}/small")
for i in range(100_000):
    with open(f"{work}/keys/k{i:06d}", "wb") as f:
        f.write(b"x")
for i in range(1_000):
    with open(f"{work}/small/s{i:04d}.bin", "wb") as f:
        f.write(os.urandom(4096))
EOF

# ---- the servers ----
tusk_grpc=$(free_port)
tusk_s3=$(free_port)
export TUSK_S3_ACCESS_KEY_ID=$key_id TUSK_S3_SECRET_ACCESS_KEY=$secret TUSK_ADDRESS=127.0.0.1:$tusk_grpc
start_daemon() { # start_daemon APP_DIR NAME GRPC_PORT S3_PORT OPTS: data and log under $work/NAME; sets started_pid
  # shellcheck disable=SC2086
  java -Xmx1g $5 -jar "$1/tusk-cli.jar" daemon --data "$work/$2" \
    --listen "127.0.0.1:$3" --s3 "127.0.0.1:$4" > "$work/$2.log" 2>&1 &
  started_pid=$!
  pids+=("$started_pid")
  wait_port "$4" "$started_pid" "$2"
}
start_daemon "$work/app" tusk "$tusk_grpc" "$tusk_s3" "${S3_BENCH_DAEMON_OPTS:-}"
daemon_pid=$started_pid
tusk_url="http://127.0.0.1:$tusk_s3"
if [[ -n $baseline_app ]]; then
  base_grpc=$(free_port)
  base_s3=$(free_port)
  start_daemon "$work/baseline-app" tusk-baseline "$base_grpc" "$base_s3" \
    "${S3_BENCH_BASELINE_OPTS-${S3_BENCH_DAEMON_OPTS:-}}"
  base_pid=$started_pid
  base_url="http://127.0.0.1:$base_s3"
fi

proxy_port=$(free_port)
proxy_url="http://127.0.0.1:$proxy_port"
mkdir -p "$work/s3proxy/plain" "$work/s3proxy/keys"
ln "$work/big.bin" "$work/s3proxy/plain/big.bin"
[[ $only == get ]] || cp -r "$work/keys/." "$work/s3proxy/keys/"
cat > "$work/s3proxy.properties" <<EOF
s3proxy.endpoint=$proxy_url
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$key_id
s3proxy.credential=$secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$work/s3proxy
EOF
java -Xmx1g -jar "$s3proxy" --properties "$work/s3proxy.properties" > "$work/s3proxy.log" 2>&1 &
proxy_pid=$!
pids+=("$proxy_pid")
wait_port "$proxy_port" "$proxy_pid" s3proxy

tusk create repo bench
tusk create branch bench@master
log "plain put of the 1 GiB file and the 100,000 keys into Tusk"
tusk put file bench@master:/big.bin -f "$work/big.bin" > /dev/null
[[ $only == get ]] || tusk put file -r bench@master:/keys -f "$work/keys" > /dev/null
if [[ -n $baseline_app ]]; then
  log "the same put into the baseline daemon"
  TUSK_ADDRESS=127.0.0.1:$base_grpc tusk create repo bench
  TUSK_ADDRESS=127.0.0.1:$base_grpc tusk create branch bench@master
  TUSK_ADDRESS=127.0.0.1:$base_grpc tusk put file bench@master:/big.bin -f "$work/big.bin" > /dev/null
fi

# ---- 1. GetObject of 1 GiB ----
get() { # get URL BUCKET PID: prints "ns cpu_ticks" (PID is the server's)
  local t0 t1 c0 c1
  rm -f "$work/got.bin"
  c0=$(cpu_ticks "$3")
  t0=$(now)
  /usr/bin/aws --endpoint-url "$1" s3 cp --no-progress --only-show-errors "s3://$2/big.bin" "$work/got.bin"
  t1=$(now)
  c1=$(cpu_ticks "$3")
  cmp -s "$work/big.bin" "$work/got.bin" || die "the bytes read from $1 differ"
  echo $((t1 - t0)) $((c1 - c0))
}
# best_get NAME NS TICKS: keeps the best time and the sum of CPU ticks of each server
declare -A best cpu
best_get() {
  [[ -z ${best[$1]:-} || $2 -lt ${best[$1]} ]] && best[$1]=$2
  cpu[$1]=$(( ${cpu[$1]:-0} + $3 ))
}
log "GetObject 1 GiB, alternating, $rounds rounds"
for _ in $(seq 1 "$rounds"); do
  out=$(get "$tusk_url" master.bench "$daemon_pid"); read -r t c <<< "$out"; best_get tusk "$t" "$c"
  if [[ -n $baseline_app ]]; then
    out=$(get "$base_url" master.bench "$base_pid"); read -r t c <<< "$out"; best_get baseline "$t" "$c"
  fi
  out=$(get "$proxy_url" plain "$proxy_pid"); read -r t c <<< "$out"; best_get s3proxy "$t" "$c"
done
rm -f "$work/got.bin"
tusk_get=$(mibps $((1 << 30)) "${best[tusk]}")
proxy_get=$(mibps $((1 << 30)) "${best[s3proxy]}")
echo "s3_get_1gib_aws_cli_mib_per_s (best of $rounds) tusk=$tusk_get s3proxy=$proxy_get ratio=$(ratio "$tusk_get" "$proxy_get") (target >= 1)"
hz=$(getconf CLK_TCK)
cpu_per_gib() { awk -v t="${cpu[$1]}" -v hz="$hz" -v n="$rounds" 'BEGIN { printf "%.2f", t / hz / n }'; }
if [[ -n $baseline_app ]]; then
  base_get=$(mibps $((1 << 30)) "${best[baseline]}")
  echo "s3_get_1gib_aws_cli_mib_per_s_ab (best of $rounds) tusk=$tusk_get baseline_build=$base_get ratio=$(ratio "$tusk_get" "$base_get") s3proxy=$proxy_get baseline_build_vs_s3proxy=$(ratio "$base_get" "$proxy_get")"
  echo "s3_get_server_cpu_s_per_gib tusk=$(cpu_per_gib tusk) baseline_build=$(cpu_per_gib baseline) s3proxy=$(cpu_per_gib s3proxy) ratio=$(ratio "$(cpu_per_gib tusk)" "$(cpu_per_gib s3proxy)")"
else
  echo "s3_get_server_cpu_s_per_gib tusk=$(cpu_per_gib tusk) s3proxy=$(cpu_per_gib s3proxy) ratio=$(ratio "$(cpu_per_gib tusk)" "$(cpu_per_gib s3proxy)")"
fi
[[ $only == get ]] && exit 0

# ---- 2. PutObject of 1 GiB (multipart) ----
put() { # put URL BUCKET KEY: prints ns
  local t0 t1
  t0=$(now)
  /usr/bin/aws --endpoint-url "$1" s3 cp --no-progress --only-show-errors "$work/big.bin" "s3://$2/$3"
  t1=$(now)
  echo $((t1 - t0))
}
log "PutObject 1 GiB (multipart)"
t=$(put "$tusk_url" master.bench up.bin)
p=$(put "$proxy_url" plain up.bin)
rm -f "$work/s3proxy/plain/up.bin"
[[ $(tusk inspect file bench@master:/up.bin -o json | sed -n 's/.*"hash":"\([0-9a-f]*\)".*/\1/p') \
  == $(tusk inspect file bench@master:/big.bin -o json | sed -n 's/.*"hash":"\([0-9a-f]*\)".*/\1/p') ]] \
  || die "the multipart upload's hash is not the plain put's"
tusk_put=$(mibps $((1 << 30)) "$t")
proxy_put=$(mibps $((1 << 30)) "$p")
echo "s3_put_1gib_aws_cli_mib_per_s tusk=$tusk_put s3proxy=$proxy_put ratio=$(ratio "$tusk_put" "$proxy_put") (committed; hash = plain put's)"

# ---- 3. ListObjectsV2 over 100,000 keys ----
list_all() { # list_all URL BUCKET PREFIX [SECONDS]: prints "keys ns", stopping after SECONDS if given
  # botocore signs, http.client fetches, and keys are counted as bytes: the client parses no XML.
  # (curl 7.88's --aws-sigv4 mis-signs query names with a '-', such as list-type.)
  /usr/bin/python3 - "$@" <<'PY'
import http.client, re, sys, time, urllib.parse
import botocore.auth, botocore.awsrequest, botocore.credentials
url, bucket, prefix = sys.argv[1:4]
limit_ns = int(sys.argv[4]) * 10**9 if len(sys.argv) > 4 else None
creds = botocore.credentials.Credentials("bench-key", "bench-secret")
signer = botocore.auth.S3SigV4Auth(creds, "s3", "us-east-1")
host = urllib.parse.urlparse(url).netloc
conn = http.client.HTTPConnection(host)
token, count, t0 = None, 0, time.monotonic_ns()
while True:
    q = {"list-type": "2", "prefix": prefix, "max-keys": "1000"}
    if token:
        q["continuation-token"] = token
    full = f"{url}/{bucket}?" + urllib.parse.urlencode(q, quote_via=urllib.parse.quote)
    req = botocore.awsrequest.AWSRequest(method="GET", url=full, headers={"Host": host})
    signer.add_auth(req)
    conn.request("GET", full[len(url):], headers=dict(req.headers.items()))
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        sys.exit(f"{url}: HTTP {resp.status}: {body[:300]!r}")
    count += body.count(b"<Key>")
    m = re.search(rb"<NextContinuationToken>([^<]*)</NextContinuationToken>", body)
    if not m or (limit_ns and time.monotonic_ns() - t0 > limit_ns):
        break
    token = m.group(1).decode()
print(count, time.monotonic_ns() - t0)
PY
}
log "ListObjectsV2 over 100,000 keys"
read -r tusk_keys tusk_ns < <(list_all "$tusk_url" master.bench keys/)
# s3proxy's filesystem backend lists the whole directory for every page (quadratic): its rate is
# taken over what it lists in the first 30 s.
read -r proxy_keys proxy_ns < <(list_all "$proxy_url" keys "" 30)
[[ $tusk_keys == 100000 ]] || die "Tusk listed $tusk_keys keys, not 100000"
tusk_rate=$(awk -v n="$tusk_keys" -v ns="$tusk_ns" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
proxy_rate=$(awk -v n="$proxy_keys" -v ns="$proxy_ns" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
echo "s3_list_v2_100k_keys_per_s tusk=$tusk_rate s3proxy=$proxy_rate ratio=$(ratio "$tusk_rate" "$proxy_rate") (s3proxy: $proxy_keys keys in $((proxy_ns / 1000000)) ms; target >= 50000 keys/s)"

# ---- 4. 1,000 small objects, then the same killed halfway ----
cp_small() { # cp_small URL BUCKET PREFIX: prints ns
  local t0 t1
  t0=$(now)
  /usr/bin/aws --endpoint-url "$1" s3 cp --recursive --only-show-errors "$work/small" "s3://$2/$3"
  t1=$(now)
  echo $((t1 - t0))
}
log "aws s3 cp --recursive of 1,000 objects of 4 KiB"
tusk create repo small
tusk create branch small@master
before=$(tusk list commit small -o json | wc -l)
t=$(cp_small "$tusk_url" master.small all)
commits=$(( $(tusk list commit small -o json | wc -l) - before ))
mkdir -p "$work/s3proxy/smallp"
p=$(cp_small "$proxy_url" smallp all)
tusk_ops=$(awk -v ns="$t" 'BEGIN { printf "%.0f", 1000 / (ns / 1e9) }')
proxy_ops=$(awk -v ns="$p" 'BEGIN { printf "%.0f", 1000 / (ns / 1e9) }')
echo "s3_put_1000_small_objects_per_s tusk=$tusk_ops s3proxy=$proxy_ops ratio=$(ratio "$tusk_ops" "$proxy_ops") commits=$commits"

log "the same put, killed with SIGKILL halfway"
tusk create repo killed
tusk create branch killed@master
setsid /usr/bin/aws --endpoint-url "$tusk_url" s3 cp --recursive "$work/small" "s3://master.killed/k" \
  > "$work/kill.out" 2>&1 &
cli_pid=$!
for _ in $(seq 1 600); do
  # The CLI's progress lines end in \r, its "upload:" lines after one.
  [[ $(tr '\r' '\n' < "$work/kill.out" | grep -c '^upload: ' || true) -ge 500 ]] && break
  sleep 0.05
done
kill -9 -- "-$cli_pid" 2>/dev/null || kill -9 "$cli_pid" 2>/dev/null || log "the CLI had already finished"
wait "$cli_pid" 2>/dev/null || true
# The CLI pads each "upload:" line with spaces to cover its progress line: strip them.
acked=$(tr '\r' '\n' < "$work/kill.out" | sed -n 's#^upload: .* to s3://master.killed/\(k/[^ ]*\) *$#\1#p' | sort -u)
acked_count=$(grep -c . <<< "$acked" || true)
mkdir -p "$work/killback"
/usr/bin/aws --endpoint-url "$tusk_url" s3 sync --only-show-errors s3://master.killed/k "$work/killback"
present=$( (cd "$work/killback" && find . -type f | sed 's#^\./#k/#' | sort) )
present_count=$(grep -c . <<< "$present" || true)
missing=$(comm -23 <(echo "$acked") <(echo "$present") | grep -c . || true)
wrong=0
for f in "$work"/killback/*; do
  cmp -s "$f" "$work/small/$(basename "$f")" || wrong=$((wrong + 1))
done
kcommits=$(tusk list commit killed -o json | wc -l)
echo "s3_kill_halfway acknowledged=$acked_count visible=$present_count acknowledged_missing=$missing wrong_bytes=$wrong commits=$kcommits (target: missing 0, wrong 0)"
