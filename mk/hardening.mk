# ---- Hardening checks (issue 8) ---------------------------------------------
#
#   make check-asan      reaper and the suites rebuilt in $(BUILD)/asan with
#                        AddressSanitizer + UndefinedBehaviorSanitizer (the
#                        helpers with UBSan); the unit and integration suites
#                        run against that reaper
#   make check-valgrind  the unit suites under valgrind memcheck, CK_FORK=no
#   make check-static    cppcheck and clang-tidy over src/ (.clang-tidy,
#                        .cppcheck-suppressions)
#
# All three are in CHECK_EXTRA, so `make check` (and CI) runs them; any
# sanitizer report, memcheck error, leak or analyser finding fails it.

DEB_TEST_DEPS += valgrind cppcheck clang-tidy
CHECK_EXTRA += check-asan check-valgrind check-static

.PHONY: check-asan check-asan-run check-valgrind check-static check-cppcheck check-clang-tidy

# ---- Sanitizers --------------------------------------------------------------
#
# check-asan re-enters make with SANITIZE=asan and BUILD=$(ASAN_BUILD), which
# swaps HARDEN below: the Makefile's own rules then build the same programs,
# sanitized, in a directory of their own (the integration suites find that
# reaper through REAPER_BUILD_DIR). -D_FORTIFY_SOURCE goes, since its checked
# functions would bypass ASan's interceptors; the stack protector and CET
# add nothing ASan does not check already.
#
# reaper, its objects, the unit and the integration suites get ASan + UBSan.
# The helpers (the jobs reaper runs) get UBSan alone: an ASan program takes
# 25-50 ms to start instead of 5 (and ~50 ms more to exit, for the leak
# check), and forks slower, which the tests that time a job (--send at
# 100 ms, --timeout 200ms, the fork storm) would pay for without checking
# reaper any better.
ASAN_BUILD := $(BUILD)/asan
UBSAN_FLAGS := -fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ifeq ($(SANITIZE),asan)
HARDEN := -O1 -g -fsanitize=address $(UBSAN_FLAGS) -fPIE
SIZE_CFLAGS :=
$(BUILD)/helpers/%: HARDEN := -O1 -g $(UBSAN_FLAGS) -fPIE
endif

# A report goes to stderr (the default log_path) and ends the process with
# SAN_EXITCODE, a code no test expects of reaper or a helper, so a report in
# reaper changes the exit code that every integration test checks; in a
# test binary, Check reports the test's early exit. UBSan stops at the first
# report (-fno-sanitize-recover=all; halt_on_error says so to its runtime
# too) and prints a stack. Leak checks stay on everywhere: reaper leaves by
# returning from main, so LeakSanitizer runs at its exit, as PID 1 of a
# namespace too (its ptrace-based check works there; for the outer reaper
# of --isolate, see restore_own_pid_ns in src/isolate.c).
# Check's per-case time limits are doubled (CK_TIMEOUT_MULTIPLIER): they
# are there to catch a hang, and every sanitized process starts and exits
# slower (LeakSanitizer's exit check alone is ~50 ms).
SAN_EXITCODE := 86
SAN_ENV := CK_TIMEOUT_MULTIPLIER=2 \
	ASAN_OPTIONS=exitcode=$(SAN_EXITCODE):detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=$(SAN_EXITCODE) \
	LSAN_OPTIONS=exitcode=$(SAN_EXITCODE)

# check_manpage and check_links are about the documents, not reaper's
# memory; check_static_names needs
# $(BUILD)/reaper-static, which cannot be sanitized (ASan has no static
# runtime). check_stress_race starts and ends reaper 1250 times; under ASan
# each start and exit costs ~250 ms and LeakSanitizer's exit check can hang
# when a SIGCONT lands on it, so its time limits fail there. check_emulated
# runs reaper under qemu-user, which backs ASan's shadow memory for real:
# the sanitized reaper grew to 24 GB there and the OOM killer ended it. All five run in
# check-integration against the real build.
ASAN_SKIP := check_emulated check_links check_manpage check_static_names check_stress_race
ASAN_INTEG_TESTS = $(filter-out $(addprefix %/,$(ASAN_SKIP)),$(INTEG_TESTS))

check-asan:
	@$(MAKE) --no-print-directory SANITIZE=asan BUILD=$(ASAN_BUILD) check-asan-run

# Only meaningful inside the SANITIZE=asan make that check-asan starts.
check-asan-run: $(BUILD)/reaper $(HELPERS) $(UNIT_TESTS) $(ASAN_INTEG_TESTS)
	@test "$(SANITIZE)" = asan || { echo "check-asan-run: use make check-asan"; exit 2; }
	@$(SAN_ENV) tests/run-suites $(UNIT_TESTS) $(call INTEG_RUN,$(ASAN_INTEG_TESTS))

# ---- Valgrind ----------------------------------------------------------------
#
# The ordinary unit-test binaries, each in one process (CK_FORK=no), so
# memcheck follows every test and sees its leaks; a leak of any kind but
# "still reachable" is an error. Check's timeouts need fork, so a test that
# hangs under valgrind hangs this target (none comes near: ~10 s in all).
VALGRIND ?= valgrind
VALGRIND_FLAGS := --quiet --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect,possible

check-valgrind: $(UNIT_TESTS)
	@status=0; passed=0; failed=0; \
	for suite in $(UNIT_TESTS); do \
		echo "== valgrind $$suite"; \
		if CK_FORK=no $(VALGRIND) $(VALGRIND_FLAGS) $$suite; then \
			passed=$$((passed + 1)); $(call TALLY,pass,valgrind $$suite); \
		else failed=$$((failed + 1)); status=1; $(call TALLY,fail,valgrind $$suite); fi; \
	done; \
	echo "valgrind: $$passed passed, $$failed failed"; exit $$status

# ---- Static analysis -----------------------------------------------------------
#
# Both analysers see src/ as the compiler does (GNU C11, _GNU_SOURCE, the
# version). clang-tidy reads .clang-tidy and also reports
# clang's own warnings for our WARN set (clang-diagnostic-*, a second
# compiler's view); each file is a target of its own, so `make -j` runs them
# side by side and a file is analysed again only when it, a header or the
# configuration changed. cppcheck runs once over all of src/, which its
# whole-program checks (ctu, unusedFunction) need, under
# .cppcheck-suppressions. Any finding fails.
CPPCHECK ?= cppcheck
CLANG_TIDY ?= clang-tidy
STATIC_DIR := $(BUILD)/static
STATIC_DEFS = -D_GNU_SOURCE -DREAPER_VERSION='"$(VERSION)"' -DREAPER_COMMIT='"$(REAPER_COMMIT)"'
CPPCHECK_FLAGS := --std=c11 --platform=unix64 --library=posix --library=gnu \
	--enable=warning,style,performance,portability,unusedFunction \
	--inline-suppr --suppressions-list=.cppcheck-suppressions \
	--error-exitcode=1 --quiet \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]'
TIDY_STAMPS := $(patsubst src/%.c,$(STATIC_DIR)/%.tidy,$(SRCS))

check-static: check-cppcheck check-clang-tidy

check-cppcheck:
	@echo "== cppcheck src/"
	@if $(CPPCHECK) $(CPPCHECK_FLAGS) $(STATIC_DEFS) -Isrc $(SRCS); then \
		$(call TALLY,pass,cppcheck); else $(call TALLY,fail,cppcheck); exit 1; fi

# One outcome for all of src/ when every file passed; each failing file
# records its own.
check-clang-tidy: $(TIDY_STAMPS)
	@$(call TALLY,pass,clang-tidy)

$(STATIC_DIR):
	mkdir -p $@

$(STATIC_DIR)/%.tidy: src/%.c $(wildcard src/*.h) .clang-tidy | $(STATIC_DIR)
	@echo "== clang-tidy $<"
	@$(CLANG_TIDY) --quiet $< -- -std=gnu11 $(filter-out -Werror,$(WARN)) $(STATIC_DEFS) \
		-Isrc >$@.log 2>&1 || { grep -v ' generated\.$$' $@.log; \
		$(call TALLY,fail,clang-tidy $<); exit 1; }
	@touch $@
