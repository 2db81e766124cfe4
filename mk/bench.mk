# ---- Benchmarks (issue 7) ---------------------------------------------------
#
#   make bench           build reaper (dynamic and static) and the helpers of
#                        bench/, run bench/run.sh: every figure for reaper,
#                        tini, dumb-init, catatonit and the bare workload, one
#                        machine-readable line each, and bench/RESULTS.md
#   make bench-helpers   only build the helpers ($(BUILD)/bench)
#
# Not a test: nothing in `make check` runs it or asserts a timing. Needs
# root (PID namespaces, perf tracepoints); bench/run.sh installs tini,
# dumb-init, catatonit, hyperfine, strace, linux-perf and jq when missing.
# BENCH_FLAGS passes options to bench/run.sh (--quick for a short run).

BENCH_HELPERS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
BENCH_FLAGS ?=

.PHONY: bench bench-helpers

bench-helpers: $(BENCH_HELPERS)

$(BUILD)/bench:
	mkdir -p $@

# The helpers are built like the test helpers, with the project's warnings
# and hardening; they are dynamic, since none of them is timed at start-up.
$(BUILD)/bench/%: bench/%.c | $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

# The minimal init is the yardstick of reaper-static: linked the same way.
$(BUILD)/bench/minimal: bench/minimal.c | $(BUILD)/bench
	$(CC) $(ALL_CFLAGS) -o $@ $< -static -no-pie -Wl,-z,relro,-z,now,-z,noexecstack $(LDFLAGS)

bench: $(BUILD)/reaper $(BUILD)/reaper-static $(BENCH_HELPERS)
	bench/run.sh --build $(BUILD) $(BENCH_FLAGS)
