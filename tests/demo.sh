#!/bin/sh
# tests/demo.sh BUILD_DIR: what `make demo` runs after building BUILD_DIR/reaper.
# Runs reaper -v around tests/demo-workload.sh as PID 1 of a new PID namespace
# when this user may create one, else as a child subreaper on the host, and
# prints the exit status that came through.
set -eu

build=${1:-build}
reaper=$(cd "$build" && pwd)/reaper
workload=$(cd "$(dirname "$0")" && pwd)/demo-workload.sh
[ -x "$reaper" ] || { echo "demo: $reaper not built (run make)" >&2; exit 1; }

if unshare --pid --fork --mount-proc true 2>/dev/null; then
	echo "== reaper runs as PID 1 of a new PID namespace"
	set -- unshare --pid --fork --mount-proc
elif unshare --user --map-root-user --pid --fork --mount-proc true 2>/dev/null; then
	echo "== reaper runs as PID 1 of a new PID namespace (in a user namespace)"
	set -- unshare --user --map-root-user --pid --fork --mount-proc
else
	echo "== no PID namespace allowed here: reaper runs as a child subreaper on the host"
	set --
fi
echo "== ${*:+$* }reaper -v -- tests/demo-workload.sh"
echo

# reaper logs on stderr, the job prints on stdout: merge them so the lines
# appear in the order they happened ("reaper: ..." and "workload: ...").
status=0
"$@" "$reaper" -v -- "$workload" 2>&1 || status=$?

echo
echo "exit status: $status"
