#!/bin/sh
# stale-run.sh SUITE: a CRI suite run killed half-way is cleaned up by the
# next (make check-cri-stale; root). Starts SUITE in a process group of its
# own, waits until its first pod has a shim, KILLs the group (what
# mk/cri.mk's timeout or CI does), then runs SUITE again and checks that
# the killed run's directory, containerd, shims, pods and cgroups are gone.
# Every wait has a deadline; nothing is ended but the group started here.
set -u
suite=$1
log=
fail() { echo "cri-stale: $*"; [ -z "$log" ] || rm -f "$log"; exit 1; }
# Poll cond (a shell command) every 0.1 s for at most $2 tenths.
await() {
	n=0
	until eval "$1"; do
		n=$((n + 1)); [ "$n" -le "$2" ] || return 1
		sleep 0.1
	done
}

log=$(mktemp /tmp/cri-stale-log.XXXXXX)
before=$(ls -d /tmp/reaper-cri-* 2>/dev/null)
setsid "$suite" >"$log" 2>&1 &
pid=$!
dir=
find_dir() {
	for d in /tmp/reaper-cri-*; do
		# Its run.pid, or (a suite from before run.pid) new since the start.
		if [ "$(cat "$d/run.pid" 2>/dev/null)" = "$pid" ] ||
			{ [ -d "$d" ] && ! echo "$before" | grep -qx "$d"; }; then
			dir=$d && return 0
		fi
	done
	return 1
}
shims() { sed -n 's/.*msg="starting signal loop".* pid=\([0-9]*\).*/\1/p' "$dir/containerd.log"; }
shim_up() { [ -n "$(shims)" ]; }
suite_alive() { kill -0 "$pid" 2>/dev/null; }
if ! await 'find_dir || ! suite_alive' 300 || ! await 'shim_up || ! suite_alive' 600 ||
	! suite_alive; then
	/bin/kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid"
	if [ $? = 77 ]; then # the suite skipped, and said why
		grep "skipped" "$log"; rm -f "$log"; exit 77
	fi
	fail "the first run made no pod within 90 s: $(tail -5 "$log")"
fi
procs="$(cat "$dir/containerd.pid" 2>/dev/null) $(shims)"
procs="$procs $(find /sys/fs/cgroup/reaper-cri-$pid /sys/fs/cgroup/*/reaper-cri-$pid \
	-name cgroup.procs -exec cat {} + 2>/dev/null | sort -un)"
/bin/kill -KILL -- "-$pid"
wait "$pid"
echo "cri-stale: killed run $pid, left $dir and processes" $procs
[ -d "$dir" ] || fail "the killed run's $dir is gone already"

REAPER_CRICTL=${REAPER_CRICTL:-} timeout 300 "$suite" >"$log" 2>&1
status=$?
grep "stale run" "$log"
[ "$status" = 0 ] || fail "the next run failed ($status): $(tail -20 "$log")"
rm -f "$log"
[ ! -e "$dir" ] || fail "the next run left the killed run's $dir"
for p in $procs; do
	# Gone, or a new process that reused the pid.
	if cat "/proc/$p/cmdline" 2>/dev/null | tr '\0' ' ' | grep -q "$dir/"; then
		fail "the killed run's process $p is still there"
	fi
	grep -qs ":/reaper-cri-$pid\(/\|$\)" "/proc/$p/cgroup" &&
		fail "the killed run's pod process $p is still there"
done
for c in /sys/fs/cgroup/reaper-cri-$pid /sys/fs/cgroup/*/reaper-cri-$pid; do
	[ ! -e "$c" ] || fail "the killed run's cgroup $c is still there"
done
echo "cri-stale: the next run removed $dir, its processes and cgroups"
