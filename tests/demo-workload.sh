#!/bin/sh
# The job that `make demo` runs under reaper (see tests/demo.sh). It leaves
# orphans behind, asks reaper to forward it a signal, shows that no zombie is
# left, and exits with code 3. Nothing here waits on a timer for correctness;
# the short sleeps only keep the orphans alive long enough to be orphans.
#
# $PPID is reaper: pid 1 inside a PID namespace, our parent on the host.

echo "workload: pid $$, running under reaper (pid $PPID)"

# 1. Orphans. The inner shell starts two background children and exits at
# once; the kernel re-parents them to reaper, which must reap them when they
# exit. They inherit the pipe to cat, so cat reaches end of file only when
# both have exited: that, not a sleep, is what we wait for.
echo "workload: starting a shell that leaves two orphans behind"
sh -c '(sleep 0.2; exit 3) & a=$!
	(sleep 0.3; exit 0) & b=$!
	echo "workload: orphans $a (will exit 3) and $b (will exit 0); their parent $$ exits now"' | cat
echo "workload: both orphans have exited; reaper, their new parent, reaps them"

# 2. A forwarded signal. We send USR1 to reaper; reaper forwards it to our
# process group. `wait` returns once the trap has run: the trap ends the
# sleeper (USR1 reaches it too with the default group forwarding).
sleep 30 &
sleeper=$!
trap 'echo "workload: got USR1"; kill "$sleeper" 2>/dev/null' USR1
echo "workload: sending USR1 to reaper (pid $PPID)"
kill -USR1 "$PPID"
wait "$sleeper" 2>/dev/null   # (quiet: sh would report how the sleeper died)

# 3. No zombie left: reaper and its children, a zombie would show state Z.
echo "workload: reaper and its children now:"
ps -o pid,ppid,stat,comm -p "$PPID" --ppid "$PPID"

echo "workload: exiting with code 3"
exit 3
