#!/usr/bin/awk -f
# bench/report.awk: bench/RESULTS.md from the figure lines of bench/run.sh
# (issue 7). POSIX awk (mawk is enough).
#
# Input: lines "bench figure=F init=I median=M min=A max=B runs=N ...";
# the main value of a line is median=, else p99=, else value=. Variables
# (-v): date kernel cpu reaper peers sysc faults hw busy elapsed load quick
# start_runs count_runs reap_rounds orphans sig_n idle_rounds idle_s
# stop_rounds, which only describe the run.
#
# The table rows, their direction (lo: less is better, hi: more is better)
# and the issue's targets are in BEGIN; a target is one of
#   le X        reaper's value <= X
#   maxle X     every run of reaper <= X (its max)
#   le_peer K   reaper's value <= K times the best peer's
#   ge_peer K   reaper's value >= K times the best peer's
#   all         every run succeeded (value == runs)

# subject: whose value the target and the reaper columns take: "reaper",
# "reaper-static", or "both" (reaper's, and the static build's beside it).
function row(fig, label, unit, dir, dec, target, kind, param, subject) {
	nrows++
	R_fig[nrows] = fig; R_label[nrows] = label; R_unit[nrows] = unit
	R_dir[nrows] = dir; R_dec[nrows] = dec; R_target[nrows] = target
	R_kind[nrows] = kind; R_param[nrows] = param
	R_subject[nrows] = subject == "" ? "both" : subject
}

BEGIN {
	ninits = split("direct reaper reaper-static tini dumb-init catatonit minimal", INIT, " ")
	npeers = split("tini dumb-init catatonit", PEER, " ")
	row("startup_ms", "start-up: wall time of `INIT /bin/true`", "ms", "lo", 2, "", "", "")
	row("startup_added_ms", "start-up time added over the direct run", "ms", "lo", 2, "≤ ½ best peer", "le_peer", 0.5)
	row("startup_syscalls", "system calls per start (whole tree)", "", "lo", 0, "", "", "")
	row("startup_syscalls_added", "system calls added per start", "", "lo", 0, "≤ 24", "le", 24)
	row("startup_pagefaults", "page faults per start (whole tree)", "", "lo", 0, "", "", "")
	row("startup_pagefaults_added", "page faults added per start", "", "lo", 0, "", "", "")
	row("reap_per_s", "orphans reaped per second", "/s", "hi", 0, "≥ 1.2× best peer", "ge_peer", 1.2)
	row("reap_created_per_s", "orphans made per second by the workload meanwhile", "/s", "hi", 0, "", "", "")
	row("reap_pid1_cpu_us", "PID 1 CPU time per orphan", "µs", "lo", 1, "≤ 20 µs", "le", 20)
	row("reap_orphans_per_wakeup", "orphans reaped per wake-up of PID 1 (voluntary context switch)", "", "hi", 1, "", "", "")
	row("reap_zombies_left", "zombies left", "", "lo", 0, "0, every run", "maxle", 0)
	row("signal_us", "signal latency, median", "µs", "lo", 1, "≤ best peer", "le_peer", 1)
	row("signal_p99_us", "signal latency, p99", "µs", "lo", 1, "≤ best peer", "le_peer", 1)
	row("idle_syscalls_per_min", "idle PID 1: system calls per minute", "", "lo", 0, "0, every run", "maxle", 0)
	row("idle_voluntary_ctxt", "idle PID 1: voluntary context switches per window", "", "lo", 0, "", "", "")
	row("idle_nonvoluntary_ctxt", "idle PID 1: involuntary context switches per window", "", "lo", 0, "", "", "")
	row("mem_rss_kib", "idle PID 1: VmRSS", "KiB", "lo", 0, "", "", "")
	row("mem_private_kib", "idle PID 1: private memory (Private_Clean+Private_Dirty)", "KiB", "lo", 0, "≤ 100 KiB", "le", 100, "reaper")
	row("size_dynamic_kb", "binary size, dynamic build, stripped", "kB", "lo", 1, "≤ 40 kB", "le", 40, "reaper")
	row("size_static_kb", "binary size, static build, stripped", "kB", "lo", 1, "≤ 720 kB", "le", 720, "reaper-static")
	row("shutdown_ms", "shutdown, grandchild in its own session: SIGTERM to PID 1 until it has exited", "ms", "lo", 1, "", "", "")
	row("shutdown_grandchild_done", "shutdown, grandchild in its own session: it finished its clean-up", "runs", "hi", -1, "yes, every run", "all", "")
	row("shutdown_group_ms", "shutdown, grandchild in the child's group: SIGTERM to PID 1 until it has exited", "ms", "lo", 1, "", "", "")
	row("shutdown_group_grandchild_done", "shutdown, grandchild in the child's group: it finished its clean-up", "runs", "hi", -1, "yes, every run", "all", "")
}

$1 == "bench" {
	fig = ""; init = ""; v = ""; m = ""; p = ""; mn = ""; mx = ""; runs = ""
	for (i = 2; i <= NF; i++) {
		eq = index($i, "=")
		if (eq == 0) continue
		k = substr($i, 1, eq - 1); x = substr($i, eq + 1)
		if (k == "figure") fig = x
		else if (k == "init") init = x
		else if (k == "median") m = x
		else if (k == "p99") p = x
		else if (k == "value") v = x
		else if (k == "min") mn = x
		else if (k == "max") mx = x
		else if (k == "runs") runs = x
	}
	val = m != "" ? m : p != "" ? p : v
	if (val == "nan") val = ""
	key = fig SUBSEP init
	VAL[key] = val; MIN[key] = mn == "nan" ? "" : mn; MAX[key] = mx == "nan" ? "" : mx
	RUNS[key] = runs
	next
}

function num(x, dec) {
	if (dec <= 0) return sprintf("%.0f", x)
	return sprintf("%." dec "f", x)
}

function cell(fig, init, dec,    key) {
	key = fig SUBSEP init
	if (!(key in VAL) || VAL[key] == "") return "—"
	if (dec < 0) return VAL[key] "/" RUNS[key]
	if (MIN[key] == "" || MAX[key] == "" || num(MIN[key], dec) == num(MAX[key], dec))
		return num(VAL[key], dec)
	return num(VAL[key], dec) " (" num(MIN[key], dec) "–" num(MAX[key], dec) ")"
}

function has(fig, init) { return ((fig SUBSEP init) in VAL) && VAL[fig SUBSEP init] != "" }
function get(fig, init) { return VAL[fig SUBSEP init] + 0 }

# The best peer of a row, or "" when no peer has the figure.
function best_peer(r,    i, b, f) {
	b = ""; f = R_fig[r]
	for (i = 1; i <= npeers; i++) {
		if (!has(f, PEER[i])) continue
		if (b == "" || (R_dir[r] == "lo" && get(f, PEER[i]) < get(f, b)) ||
		    (R_dir[r] == "hi" && get(f, PEER[i]) > get(f, b)))
			b = PEER[i]
	}
	return b
}

function ratio(a, b) {
	if (b == 0) return a == 0 ? "1.00×" : "—"
	return sprintf("%.2f×", a / b)
}

# "yes", "no" or "" for init (a build of reaper) against row r's target.
function met(r, bp, init,    f, v, k, x, key) {
	f = R_fig[r]; k = R_kind[r]; x = R_param[r] + 0; key = f SUBSEP init
	if (k == "" || !has(f, init)) return ""
	v = get(f, init)
	if (k == "le") return v <= x ? "yes" : "no"
	if (k == "maxle") return (MAX[key] != "" ? MAX[key] : v) + 0 <= x ? "yes" : "no"
	if (k == "all") return v == RUNS[key] + 0 ? "yes" : "no"
	if (bp == "") return ""
	if (k == "le_peer") return v <= x * get(f, bp) ? "yes" : "no"
	if (k == "ge_peer") return v >= x * get(f, bp) ? "yes" : "no"
	return ""
}

function bold(m) { return m == "yes" ? "**yes**" : m }

END {
	print "# Benchmarks: reaper beside tini, dumb-init and catatonit"
	print ""
	print "Generated by `make bench` (`bench/run.sh`); do not edit by hand."
	if (quick == 1) print "**A `--quick` run: fewer runs, a check of the harness, not a result.**"
	print ""
	print "- date: " date
	print "- kernel: " kernel
	print "- CPU: " cpu
	print "- reaper: " reaper " (build/reaper, copied at the start of the run)"
	print "- peers: " peers " (Debian packages)"
	print "- system calls counted with " (sysc == "perf" ? "perf stat, tracepoint raw_syscalls:sys_enter" : "strace -c (perf tracepoints unavailable here)") \
	      "; page faults with " (faults == "perf" ? "perf stat, software event page-faults" : "nothing (perf unavailable): not measured") \
	      "; hardware counters (instructions): " (hw == "yes" ? "available" : "not available on this machine, not used")
	print "- measured in " elapsed " s; load average (1, 5, 15 min): " load
	print "- other processes busy on a CPU when the run began: " busy
	print ""
	print "Every init runs as a command prefix (`reaper --`, `tini --`, `dumb-init`, `catatonit --`);"
	print "**reaper** is build/reaper (dynamic), **reaper-static** build/reaper-static; **direct** is the"
	print "same workload with no init, the floor; **minimal** is `bench/minimal`, the least a correct init does"
	print "(block signals, start the child vfork-style, forward, reap, exit with its status), linked static like"
	print "reaper-static: what any init built on glibc costs, not a peer. All seven are measured in the same run, in rounds whose order"
	print "rotates. A cell is the median, and in brackets the min–max over the runs (for p99: the pooled p99,"
	print "and the range of each round's p99). Lower is better except where the row says per second or"
	print "finished. The ratios and *met* are for the dynamic build (the static one for the static size),"
	print "with the static build's verdict after it where it differs."
	print ""
	print "| figure | direct | reaper | reaper-static | tini | dumb-init | catatonit | minimal | reaper ÷ best peer | reaper ÷ direct | target | met |"
	print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
	for (r = 1; r <= nrows; r++) {
		f = R_fig[r]
		label = R_label[r] (R_unit[r] != "" && R_unit[r] != "runs" ? " (" R_unit[r] ")" : "")
		line = "| " label
		for (i = 1; i <= ninits; i++) line = line " | " cell(f, INIT[i], R_dec[r])
		bp = best_peer(r)
		who = R_subject[r] == "reaper-static" ? "reaper-static" : "reaper"
		rp = (bp != "" && has(f, who) && R_dec[r] >= 0) ? ratio(get(f, who), get(f, bp)) " (" bp ")" : "—"
		rd = (has(f, "direct") && has(f, who) && R_dec[r] >= 0) ? ratio(get(f, who), get(f, "direct")) : "—"
		t = R_target[r] != "" ? R_target[r] : "—"
		m = met(r, bp, who)
		if (R_subject[r] == "both") {
			ms = met(r, bp, "reaper-static")
			if (ms != "" && ms != m) m = bold(m) "; static: " bold(ms)
			else m = bold(m)
		} else {
			m = bold(m)
		}
		line = line " | " rp " | " rd " | " t " | " (m == "" ? "—" : m) " |"
		print line
	}
	print ""
	print "Each init against the best peer and against the direct run (its value ÷ theirs):"
	print ""
	print "| figure | reaper | reaper-static | tini | dumb-init | catatonit | minimal |"
	print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (r = 1; r <= nrows; r++) {
		f = R_fig[r]
		if (R_dec[r] < 0) continue
		bp = best_peer(r)
		line = "| " R_label[r]
		for (i = 2; i <= ninits; i++) {
			c = "—"
			if (has(f, INIT[i])) {
				a = bp != "" ? ratio(get(f, INIT[i]), get(f, bp)) : "—"
				b = has(f, "direct") ? ratio(get(f, INIT[i]), get(f, "direct")) : "—"
				c = a " / " b
			}
			line = line " | " c
		}
		print line " |"
	}
	print ""
	print "## How each figure is taken"
	print ""
	print "1. **Start-up**: `INIT /bin/true` on the host (not PID 1), " start_runs " runs each with"
	print "   `hyperfine -N` (no shell), in rounds of rotating order; *added* is the init's median minus the"
	print "   direct run's. System calls and page faults: " count_runs " runs of `perf stat` over the whole"
	print "   process tree, from exec to exit."
	print "2. **Reaping**: `bench/orphans " orphans "` as the child of INIT, PID 1 of a new PID namespace with"
	print "   its own /proc (`bench/pidns run`, what `unshare --pid --fork --mount-proc` does), " reap_rounds " run(s)"
	print "   each. It makes the orphans one by one (a middle process starts one and exits; the orphan exits at"
	print "   once), then watches /proc until only PID 1 and itself are left. Rate: orphans ÷ time from the first"
	print "   one to the last reaped. CPU: PID 1's /proc/1/schedstat run time over the storm ÷ orphans. Direct:"
	print "   the workload is PID 1 and reaps its orphans itself with `waitpid(WNOHANG)`, the floor. Orphans are"
	print "   made with clone(CLONE_VM), since a fork costs about 1 ms on a VM like this one."
	print "3. **Signals**: `bench/pidns siglat` takes CLOCK_MONOTONIC, then kill(SIGUSR1) to PID 1;"
	print "   `bench/sigchild`, the child, takes the clock when sigwaitinfo returns and reports it on a pipe; "
	print "   " sig_n " signals per init, one at a time. Direct: the child is PID 1."
	print "4. **Idle**: all seven `INIT bench/idle` side by side as PID 1 of their namespaces, " idle_rounds " round(s)"
	print "   of " idle_s " s; system calls of PID 1 alone with " (sysc == "perf" ? "`perf stat -p` (which does not interrupt the process, unlike `strace -p`)" : "`strace -c -p` (attaching restarts the blocking call: may count it)") ","
	print "   context switches from /proc/PID/status."
	print "5. **Memory** of the same idle PID 1 at the end of the window: VmRSS, and Private_Clean +"
	print "   Private_Dirty from smaps_rollup. Sizes: `strip -o` copies; tini has both builds (`tini`,"
	print "   `tini-static`), Debian's dumb-init is dynamic only, catatonit static only."
	print "6. **Shutdown**: `bench/cleanup` under INIT as PID 1: its child and grandchild each clean up for"
	print "   100 ms after their SIGTERM, then the grandchild writes a marker; the child does not wait for it."
	print "   `bench/pidns shutdown` sends SIGTERM to PID 1 and times until PID 1 has exited (a pidfd);"
	print "   " stop_rounds " runs each, in two layouts: the grandchild in a session of its own (`--setsid`: a helper"
	print "   that only an init stopping what is left after the child reaches), and in the child's process"
	print "   group, where an init forwarding to the group reaches both and the grandchild's marker races the"
	print "   init's own exit with the child (both end 100 ms after TERM)."
}
