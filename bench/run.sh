#!/bin/bash
# bench/run.sh: reaper beside tini, dumb-init and catatonit, and the bare
# workload as the floor, on this machine, in one run (issue 7).
#
#   bench/run.sh [--build DIR] [--quick] [--out FILE]
#
#   --build DIR   where reaper, reaper-static and bench/ helpers were built
#                 (default build; `make bench` builds them first)
#   --quick       fewer runs and orphans, a 3 s idle window: checks that
#                 the harness works, not a result to keep
#   --out FILE    the markdown report (default bench/RESULTS.md)
#
# Each init is a command prefix: "reaper --", "tini --", "dumb-init",
# "catatonit --", and the static build "reaper-static --"; "direct" is the
# workload with no init, and "minimal" (bench/minimal.c) the least a
# correct init does, linked like reaper-static: the yardstick of what any
# glibc init costs. Every figure is taken for all seven in the same
# run, in rounds whose order rotates, so a slow minute of a shared machine
# does not land on one init only; we report medians and min-max, never one
# run. Figures:
#
#   1 start-up   wall time of `INIT /bin/true` on the host (hyperfine,
#                ROUNDS x RUNS runs each), and the system calls and page
#                faults of the whole tree (perf stat, raw_syscalls
#                tracepoint; strace -c -f when tracepoints are missing)
#   2 reaping    bench/orphans makes 20000 orphans under INIT as PID 1 of a
#                PID namespace: orphans reaped per second, PID 1's CPU time
#                per orphan, zombies left
#   3 signals    SIGUSR1 to PID 1 until bench/sigchild, its child, sees it
#   4 idle       system calls and context switches of PID 1 over 10 s
#                while its child sleeps (perf stat -p; strace -c -p when
#                tracepoints are missing) and voluntary_ctxt_switches
#   5 memory     VmRSS and Private_Clean+Private_Dirty of that idle PID 1;
#                stripped binary sizes, dynamic and static builds
#   6 shutdown   SIGTERM to PID 1 above bench/cleanup, whose child and
#                grandchild each need 100 ms: time until PID 1 has exited,
#                and whether the grandchild finished (its marker file); the
#                grandchild in a session of its own, and in the child's
#                process group
#
# Output: one line per figure on stdout,
#   bench figure=NAME init=INIT median=M min=A max=B runs=N [...]
# and the markdown report. Needs root (PID namespaces, tracepoints); the
# missing Debian packages are installed with apt-get. Not a test: nothing
# in `make check` runs it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=build
QUICK=0
OUT=$ROOT/bench/RESULTS.md

while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	--quick) QUICK=1; shift ;;
	--out) OUT=$2; shift 2 ;;
	*) echo "usage: bench/run.sh [--build DIR] [--quick] [--out FILE]" >&2; exit 2 ;;
	esac
done
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

if [ "$QUICK" = 1 ]; then
	START_ROUNDS=2 START_RUNS=30 COUNT_RUNS=5
	REAP_ROUNDS=1 ORPHANS=5000
	SIG_ROUNDS=2 SIG_PER_ROUND=100
	IDLE_ROUNDS=1 IDLE_S=3
	STOP_ROUNDS=2
else
	START_ROUNDS=5 START_RUNS=100 COUNT_RUNS=15
	REAP_ROUNDS=5 ORPHANS=20000
	SIG_ROUNDS=5 SIG_PER_ROUND=200
	IDLE_ROUNDS=3 IDLE_S=10
	STOP_ROUNDS=5
fi
CLEANUP_MS=100

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root: PID namespaces and perf tracepoints"

# ---- Dependencies -----------------------------------------------------------
ensure_deps() {
	local missing="" pair
	for pair in tini:tini dumb-init:dumb-init catatonit:catatonit hyperfine:hyperfine \
		strace:strace perf:linux-perf jq:jq; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
	done
	if [ -n "$missing" ]; then
		say "installing$missing"
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >&2
	fi
}
ensure_deps

for f in reaper reaper-static bench/pidns bench/orphans bench/sigchild bench/cleanup bench/idle bench/minimal; do
	[ -x "$BUILD/$f" ] || die "$BUILD/$f is missing: run 'make bench'"
done

WORK=$(mktemp -d /tmp/reaper-bench.XXXXXX)
HOLDS=()
cleanup() {
	local pid
	for pid in "${HOLDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# A snapshot: build/reaper may be rebuilt while we run.
cp "$BUILD/reaper" "$WORK/reaper"
cp "$BUILD/reaper-static" "$WORK/reaper-static"
H=$BUILD/bench
REAPER_ID="$(cd "$ROOT" && git describe --always --dirty 2>/dev/null || echo unknown), sha256 $(sha256sum "$WORK/reaper" | cut -c1-12) (static: $(sha256sum "$WORK/reaper-static" | cut -c1-12))"

# reaper-static too: a static binary skips the dynamic loader, about 30
# system calls and 40 page faults of every start, so the start-up figures
# of the two builds differ most.
INITS=(direct reaper reaper-static tini dumb-init catatonit minimal)
INITS_ONLY=("${INITS[@]:1}") # all but direct: what an init adds to it
declare -A PREFIX=(
	[direct]=""
	[reaper]="$WORK/reaper --"
	[reaper-static]="$WORK/reaper-static --"
	[tini]="tini --"
	[dumb-init]="dumb-init"
	[catatonit]="catatonit --"
	[minimal]="$H/minimal"
)

# The inits in round $1's order: the list rotated by $1.
order() {
	local i n=${#INITS[@]}
	for ((i = 0; i < n; i++)); do echo "${INITS[(i + $1) % n]}"; done
}

FIGURES=$WORK/figures
: >"$FIGURES"
emit() {
	echo "bench $*" | tee -a "$FIGURES"
}

# Numbers on stdin, one per line -> "n median min max p99".
stats() {
	sort -g | awk '{ a[NR] = $1 }
	END {
		if (NR == 0) { print "0 nan nan nan nan"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		k = int(NR * 0.99); if (k < NR * 0.99) k++; if (k < 1) k = 1
		printf "%d %.10g %.10g %.10g %.10g\n", NR, m, a[1], a[NR], a[k]
	}'
}

# emit_stats FIGURE INIT FILE [extra fields]: median, min, max of FILE.
emit_stats() {
	local fig=$1 init=$2 file=$3 n med min max p99
	shift 3
	read -r n med min max p99 < <(stats <"$file")
	emit "figure=$fig init=$init median=$(fmt "$med") min=$(fmt "$min") max=$(fmt "$max") runs=$n${*:+ $*}"
}
# Four significant digits, never an exponent.
fmt() {
	awk -v x="$1" 'BEGIN {
		if (x == "nan") print "nan"
		else if (x >= 1000 || x <= -1000) printf "%.0f\n", x
		else printf "%.4g\n", x
	}'
}
# Prints $1 - $2 (or nan).
minus() {
	if [ "$1" = nan ] || [ "$2" = nan ]; then echo nan; else fmt "$(awk -v a="$1" -v b="$2" 'BEGIN { print a - b }')"; fi
}
# The value of KEY=... in a line of KEY=VALUE words.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# ---- Tools: perf tracepoints or strace ------------------------------------
# BENCH_SYSCALL_TOOL=strace forces the fallback (to check it still works).
SYSCALL_TOOL=strace
if [ "${BENCH_SYSCALL_TOOL:-}" != strace ] && perf stat -x, -e raw_syscalls:sys_enter -- /bin/true 2>&1 >/dev/null | grep -q '^[0-9][0-9]*,,raw_syscalls'; then
	SYSCALL_TOOL=perf
fi
FAULT_TOOL=none
if perf stat -x, -e page-faults -- /bin/true 2>&1 >/dev/null | grep -q '^[0-9][0-9]*,,page-faults'; then
	FAULT_TOOL=perf
fi
HW_COUNTERS=no
if perf stat -x, -e instructions -- /bin/true 2>&1 >/dev/null | grep -q '^[0-9][0-9]*,,instructions'; then
	HW_COUNTERS=yes
fi
say "system calls counted with $SYSCALL_TOOL, page faults with $FAULT_TOOL; hardware counters: $HW_COUNTERS"
T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v n="$(nproc)" '$1 > n { exit 1 }' /proc/loadavg ||
	say "warning: load average $LOAD0 on $(nproc) CPUs: the timings will be noisy"
# Processes that kept a CPU busy before we started (lifetime %CPU >= 25,
# running for 10 s or more): they go in the report, since they skew it.
BUSY=$(ps -eo pid=,pcpu=,etimes=,comm= | awk -v self=$$ '$1 != self && $2 >= 25 && $3 >= 10 {
	printf "%s%s (pid %s, %s%% CPU over %d s)", sep, $4, $1, $2, $3; sep = ", " }')
[ -z "$BUSY" ] || say "warning: busy before the run: $BUSY"

# ---- 1. Start-up ------------------------------------------------------------
say "1/6 start-up: $START_ROUNDS rounds x $START_RUNS runs of INIT /bin/true (hyperfine)"
for ((r = 0; r < START_ROUNDS; r++)); do
	args=()
	for init in $(order "$r"); do
		args+=(-n "$init" "${PREFIX[$init]} /bin/true")
	done
	hyperfine -N --style none --warmup 10 --runs "$START_RUNS" \
		--export-json "$WORK/hf.$r.json" "${args[@]}" >/dev/null 2>"$WORK/hf.$r.err" ||
		{ cat "$WORK/hf.$r.err" >&2; die "hyperfine failed"; }
	jq -r '.results[] | .command as $c | .times[] | "\($c) \(. * 1000)"' "$WORK/hf.$r.json" \
		>>"$WORK/startup.times"
done
for init in "${INITS[@]}"; do
	awk -v i="$init" '$1 == i { print $2 }' "$WORK/startup.times" >"$WORK/startup.$init"
	emit_stats startup_ms "$init" "$WORK/startup.$init"
done
direct_ms=$(stats <"$WORK/startup.direct" | cut -d' ' -f2)
for init in "${INITS_ONLY[@]}"; do
	med=$(stats <"$WORK/startup.$init" | cut -d' ' -f2)
	emit "figure=startup_added_ms init=$init median=$(minus "$med" "$direct_ms")"
done

# System calls and page faults of one `INIT /bin/true`, counted for the
# whole process tree from its exec.
count_once() { # INIT -> "syscalls faults"
	local cmd="${PREFIX[$1]} /bin/true" out=$WORK/count.out
	if [ "$SYSCALL_TOOL" = perf ]; then
		perf stat -x, -o "$out" -e raw_syscalls:sys_enter,page-faults -- $cmd >/dev/null 2>&1
		awk -F, '$3 == "raw_syscalls:sys_enter" { s = $1 } $3 == "page-faults" { f = $1 }
			END { print s + 0, (f == "" ? "nan" : f) }' "$out"
	else
		strace -f -c -o "$out" -- $cmd >/dev/null 2>&1
		local calls faults=nan
		calls=$(awk '$NF == "total" { print $4 }' "$out")
		if [ "$FAULT_TOOL" = perf ]; then
			perf stat -x, -o "$out" -e page-faults -- $cmd >/dev/null 2>&1
			faults=$(awk -F, '$3 == "page-faults" { print $1 }' "$out")
		fi
		echo "${calls:-nan} $faults"
	fi
}
say "1/6 start-up: $COUNT_RUNS counted runs each ($SYSCALL_TOOL)"
for ((r = 0; r < COUNT_RUNS; r++)); do
	for init in $(order "$r"); do
		read -r s f < <(count_once "$init")
		echo "$s" >>"$WORK/sys.$init"
		echo "$f" >>"$WORK/pf.$init"
	done
done
for init in "${INITS[@]}"; do
	emit_stats startup_syscalls "$init" "$WORK/sys.$init" "tool=$SYSCALL_TOOL"
	emit_stats startup_pagefaults "$init" "$WORK/pf.$init" "tool=$FAULT_TOOL"
done
direct_sys=$(stats <"$WORK/sys.direct" | cut -d' ' -f2)
direct_pf=$(stats <"$WORK/pf.direct" | cut -d' ' -f2)
for init in "${INITS_ONLY[@]}"; do
	emit "figure=startup_syscalls_added init=$init median=$(minus "$(stats <"$WORK/sys.$init" | cut -d' ' -f2)" "$direct_sys")"
	emit "figure=startup_pagefaults_added init=$init median=$(minus "$(stats <"$WORK/pf.$init" | cut -d' ' -f2)" "$direct_pf")"
done

# ---- 2. Reaping -------------------------------------------------------------
say "2/6 reaping: $REAP_ROUNDS rounds of $ORPHANS orphans under each init as PID 1"
for ((r = 0; r < REAP_ROUNDS; r++)); do
	for init in $(order "$r"); do
		line=$(timeout 120 "$H/pidns" run -- ${PREFIX[$init]} "$H/orphans" "$ORPHANS") ||
			say "reaping under $init: exit $? ($line)"
		echo "$init $line" >>"$WORK/reap.raw"
		total=$(field total_ns "$line") cpu=$(field pid1_cpu_ns "$line")
		echo "$line" | grep -q zombies= || die "reaping under $init: no result"
		awk -v n="$ORPHANS" -v t="$total" 'BEGIN { print n / (t / 1e9) }' >>"$WORK/rate.$init"
		awk -v n="$ORPHANS" -v t="$(field create_ns "$line")" 'BEGIN { print n / (t / 1e9) }' >>"$WORK/create.$init"
		[ "$cpu" = - ] || awk -v n="$ORPHANS" -v c="$cpu" 'BEGIN { print c / n / 1000 }' >>"$WORK/cpu.$init"
		wakeups=$(field pid1_wakeups "$line")
		[ "$wakeups" = - ] || awk -v n="$ORPHANS" -v w="$wakeups" 'BEGIN { print n / (w > 0 ? w : 1) }' \
			>>"$WORK/perwake.$init"
		ticks=$(field pid1_ticks "$line")
		[ "$ticks" = - ] || awk -v n="$ORPHANS" -v c="$ticks" -v hz="$(getconf CLK_TCK)" \
			'BEGIN { print c / hz * 1e6 / n }' >>"$WORK/cputicks.$init"
		field zombies "$line" >>"$WORK/zombies.$init"
	done
done
for init in "${INITS[@]}"; do
	emit_stats reap_per_s "$init" "$WORK/rate.$init" "orphans=$ORPHANS"
	emit_stats reap_created_per_s "$init" "$WORK/create.$init"
	[ -s "$WORK/cpu.$init" ] && emit_stats reap_pid1_cpu_us "$init" "$WORK/cpu.$init" "source=schedstat"
	# The same from utime+stime of /proc/1/stat, in clock ticks: a check.
	[ -s "$WORK/perwake.$init" ] && emit_stats reap_orphans_per_wakeup "$init" "$WORK/perwake.$init"
	[ -s "$WORK/cputicks.$init" ] && emit_stats reap_pid1_cpu_stat_us "$init" "$WORK/cputicks.$init" "source=stat"
	emit_stats reap_zombies_left "$init" "$WORK/zombies.$init"
done

# ---- 3. Signal latency -------------------------------------------------------
say "3/6 signals: $SIG_ROUNDS rounds x $SIG_PER_ROUND SIGUSR1 to PID 1"
for ((r = 0; r < SIG_ROUNDS; r++)); do
	for init in $(order "$r"); do
		timeout 120 "$H/pidns" siglat "$SIG_PER_ROUND" -- ${PREFIX[$init]} "$H/sigchild" \
			>"$WORK/sig.round" || die "signal latency under $init failed"
		awk '{ print $1 / 1000 }' "$WORK/sig.round" >>"$WORK/sig.$init"
		stats < <(awk '{ print $1 / 1000 }' "$WORK/sig.round") | cut -d' ' -f5 >>"$WORK/sigp99.$init"
	done
done
for init in "${INITS[@]}"; do
	emit_stats signal_us "$init" "$WORK/sig.$init"
	read -r n _ _ _ p99 < <(stats <"$WORK/sig.$init")
	read -r rounds _ rmin rmax _ < <(stats <"$WORK/sigp99.$init")
	emit "figure=signal_p99_us init=$init p99=$(fmt "$p99") min=$(fmt "$rmin") max=$(fmt "$rmax") runs=$n rounds=$rounds"
done

# ---- 4 and 5. Idle PID 1: system calls, context switches, memory -----------
ctxt() { # PID -> "voluntary nonvoluntary"
	awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 }
		END { print v + 0, n + 0 }' "/proc/$1/status"
}
say "4/6 idle: $IDLE_ROUNDS rounds, all seven idle side by side for ${IDLE_S}s ($SYSCALL_TOOL)"
for ((r = 0; r < IDLE_ROUNDS; r++)); do
	declare -A PID1=() HOLD=()
	for init in $(order "$r"); do
		rm -f "$WORK/pid1.$init"
		"$H/pidns" hold "$WORK/pid1.$init" -- ${PREFIX[$init]} "$H/idle" &
		HOLD[$init]=$!
		HOLDS+=($!)
	done
	for init in "${INITS[@]}"; do
		for ((i = 0; i < 100; i++)); do [ -s "$WORK/pid1.$init" ] && break; sleep 0.05; done
		[ -s "$WORK/pid1.$init" ] || die "idle: $init did not start"
		PID1[$init]=$(cat "$WORK/pid1.$init")
	done
	sleep 0.5 # let start-up work (loader, first reap) finish
	watchers=()
	for init in $(order "$r"); do
		pid=${PID1[$init]}
		ctxt "$pid" >"$WORK/ctxt0.$init"
		if [ "$SYSCALL_TOOL" = perf ]; then
			perf stat -x, -o "$WORK/idle.$init" -e raw_syscalls:sys_enter,context-switches \
				-p "$pid" -- sleep "$IDLE_S" &
		else
			timeout -s INT "$IDLE_S" strace -c -p "$pid" -o "$WORK/idle.$init" 2>/dev/null &
		fi
		watchers+=($!)
	done
	wait "${watchers[@]}" || true
	for init in "${INITS[@]}"; do
		pid=${PID1[$init]}
		read -r v0 n0 <"$WORK/ctxt0.$init"
		read -r v1 n1 < <(ctxt "$pid")
		echo $((v1 - v0)) >>"$WORK/vol.$init"
		echo $((n1 - n0)) >>"$WORK/nonvol.$init"
		if [ "$SYSCALL_TOOL" = perf ]; then
			# "<not counted>": the task never ran in the window.
			calls=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print ($1 ~ /^[0-9]+$/ ? $1 : 0) }' "$WORK/idle.$init")
		else
			calls=$(awk '$NF == "total" { print $4 }' "$WORK/idle.$init")
		fi
		awk -v c="${calls:-0}" -v s="$IDLE_S" 'BEGIN { print c * 60 / s }' >>"$WORK/idle_min.$init"
		awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" >>"$WORK/rss.$init"
		awk '/^Private_(Clean|Dirty)/ { p += $2 } END { print p }' "/proc/$pid/smaps_rollup" >>"$WORK/priv.$init"
		kill "${HOLD[$init]}"
	done
	wait "${HOLD[@]}" 2>/dev/null || true
	HOLDS=()
	unset PID1 HOLD
done
for init in "${INITS[@]}"; do
	emit_stats idle_syscalls_per_min "$init" "$WORK/idle_min.$init" "window_s=$IDLE_S tool=$SYSCALL_TOOL"
	emit_stats idle_voluntary_ctxt "$init" "$WORK/vol.$init" "window_s=$IDLE_S"
	emit_stats idle_nonvoluntary_ctxt "$init" "$WORK/nonvol.$init" "window_s=$IDLE_S"
	emit_stats mem_rss_kib "$init" "$WORK/rss.$init"
	emit_stats mem_private_kib "$init" "$WORK/priv.$init"
done

# Stripped sizes, in kB (1000 bytes, as the issue counts them). The peers'
# Debian binaries: tini ships a dynamic and a static build, dumb-init only
# a dynamic one, catatonit only a static one.
say "5/6 binary sizes (strip -o)"
size_kb() { # FILE -> kB of a stripped copy
	strip -o "$WORK/stripped" "$1" && stat -c %s "$WORK/stripped" | awk '{ printf "%.1f\n", $1 / 1000 }'
}
emit "figure=size_dynamic_kb init=reaper value=$(size_kb "$WORK/reaper") file=build/reaper"
emit "figure=size_static_kb init=reaper-static value=$(size_kb "$WORK/reaper-static") file=build/reaper-static"
emit "figure=size_static_kb init=minimal value=$(size_kb "$H/minimal") file=build/bench/minimal"
for pair in tini:dynamic:tini tini:static:tini-static dumb-init:dynamic:dumb-init catatonit:static:catatonit; do
	IFS=: read -r init kind prog <<<"$pair"
	path=$(command -v "$prog" || true)
	[ -n "$path" ] && emit "figure=size_${kind}_kb init=$init value=$(size_kb "$path") file=$path"
done

# ---- 6. Shutdown ------------------------------------------------------------
# Two layouts: the grandchild in a session of its own (a helper the app
# started; only an init that stops what is left reaches it), and in the
# child's process group (reached by group forwarding; then it and the child
# both end 100 ms after TERM, and the marker races an init leaving with the
# child).
say "6/6 shutdown: $STOP_ROUNDS rounds of SIGTERM to PID 1, child and grandchild ${CLEANUP_MS} ms each"
for ((r = 0; r < STOP_ROUNDS; r++)); do
	for init in $(order "$r"); do
		for layout in session group; do
			marker=$WORK/marker
			rm -f "$marker"
			opt=
			[ "$layout" = session ] && opt=--setsid
			line=$(timeout 60 "$H/pidns" shutdown 10000 -- ${PREFIX[$init]} "$H/cleanup" $opt \
				"$marker" "$CLEANUP_MS") || die "shutdown under $init failed"
			ns=$(field exit_ns "$line")
			[ "$ns" = timeout ] && ns=10000000000
			awk -v t="$ns" 'BEGIN { print t / 1e6 }' >>"$WORK/stop.$layout.$init"
			if [ -s "$marker" ]; then echo 1; else echo 0; fi >>"$WORK/gc.$layout.$init"
		done
	done
done
for layout in session group; do
	suffix=
	[ "$layout" = group ] && suffix=_group
	for init in "${INITS[@]}"; do
		emit_stats "shutdown${suffix}_ms" "$init" "$WORK/stop.$layout.$init" "cleanup_ms=$CLEANUP_MS"
		done_runs=$(awk '{ s += $1 } END { print s }' "$WORK/gc.$layout.$init")
		runs=$(wc -l <"$WORK/gc.$layout.$init")
		emit "figure=shutdown${suffix}_grandchild_done init=$init value=$done_runs runs=$runs"
	done
done

ELAPSED=$(($(date +%s) - T0))
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
say "measured in ${ELAPSED}s"

# ---- The report -------------------------------------------------------------
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
peer_versions=$(dpkg-query -W -f '${Package} ${Version}, ' tini dumb-init catatonit 2>/dev/null | sed 's/, $//')
"$ROOT/bench/report.awk" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
	-v kernel="$(uname -sr)" -v cpu="$CPU ($(nproc) CPUs)" \
	-v reaper="$REAPER_ID" -v peers="$peer_versions" \
	-v sysc="$SYSCALL_TOOL" -v faults="$FAULT_TOOL" -v hw="$HW_COUNTERS" \
	-v busy="${BUSY:-none}" -v elapsed="$ELAPSED" -v load="$LOAD0 at the start, $LOAD1 at the end" -v quick="$QUICK" \
	-v start_runs="$((START_ROUNDS * START_RUNS))" -v count_runs="$COUNT_RUNS" \
	-v reap_rounds="$REAP_ROUNDS" -v orphans="$ORPHANS" \
	-v sig_n="$((SIG_ROUNDS * SIG_PER_ROUND))" -v idle_rounds="$IDLE_ROUNDS" -v idle_s="$IDLE_S" \
	-v stop_rounds="$STOP_ROUNDS" "$FIGURES" >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
say "wrote $OUT"
