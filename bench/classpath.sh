#!/usr/bin/env bash
# Builds the bench module (and the modules it needs) and prints its runtime classpath.
# Offline first, online if something is missing from the local repository. Used by the other scripts.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cp_file="$root/bench/target/classpath.txt"
build=(-f "$root/pom.xml" -pl bench -am package -DskipTests)
# Relative to each module's basedir, so bench's own list ends up in bench/target.
list=(dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime)

if ! mvn -B -q -Dstyle.color=never -o "${build[@]}" "${list[@]}" >&2; then
  echo "offline build failed; retrying online" >&2
  mvn -B -q -Dstyle.color=never "${build[@]}" "${list[@]}" >&2
fi
echo "$root/bench/target/classes:$(cat "$cp_file")"
