# ---- Fuzzing (issue 8) -------------------------------------------------------
#
#   make fuzz-build   the libFuzzer targets of tests/fuzz/ in $(FUZZ_BUILD)
#   make check-fuzz   build them, replay every input of tests/fuzz/corpus and
#                     tests/fuzz/regressions, then fuzz each target in turn;
#                     replay and fuzzing together take at most FUZZ_SECONDS
#                     (60, the CI budget; building comes before). A crash,
#                     sanitizer report or broken invariant fails it. One
#                     "fuzz: skipped: ..." line, and success, when clang or
#                     its libFuzzer runtime is missing.
#   make fuzz-replay  the replay alone (FUZZ_SECONDS=0), a second or so
#   make fuzz-deps    clang and the libclang-rt-N-dev of its version (a
#                     package with no command, so `make deps` runs this)
#
# The targets cover every parser of user input: fuzz_cli (cli_parse over
# argv and every REAPER_* / tini / dumb-init variable), fuzz_parse (signals,
# rewrites, durations, --send, exit codes, booleans, counts) and fuzz_passwd
# (--user specs against /etc/passwd and /etc/group text). Each links the src/
# files it needs, compiled again here with clang, coverage and sanitizers.
# make check-fuzz FUZZ_SECONDS=600 fuzzes longer; see tests/fuzz/README.

FUZZ_CC ?= clang
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := cli parse passwd
FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/fuzz_,$(FUZZ_TARGETS))

DEB_TEST_DEPS += clang
CHECK_EXTRA += check-fuzz

# src/ is checked with -Werror by the gcc build already; clang's own
# warnings about it here should not fail fuzzing, so -Werror is only for
# the targets. No _FORTIFY_SOURCE: its checked functions bypass ASan.
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) $(CFLAGS)

# Can $(FUZZ_CC) link a libFuzzer program? (clang without libclang-rt-N-dev
# cannot: -fsanitize=fuzzer needs libclang_rt.fuzzer.)
FUZZ_PROBE = printf '%s\n' \
	'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);' \
	'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' | \
	$(FUZZ_CC) -x c -fsanitize=fuzzer,address,undefined -o /dev/null - >/dev/null 2>&1

.PHONY: fuzz-build fuzz-replay check-fuzz fuzz-deps

fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD) $(FUZZ_BUILD)/obj:
	mkdir -p $@

# fuzzer-no-link: coverage counters in src/ too, so mutations aim at its
# branches; the fuzzer runtime and main() come with the target's link.
$(FUZZ_BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) | $(FUZZ_BUILD)/obj
	$(FUZZ_CC) -D_GNU_SOURCE $(FUZZ_CFLAGS) $(filter-out -Werror,$(WARN)) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(wildcard src/*.h) | $(FUZZ_BUILD)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) -fsanitize=fuzzer -Isrc -o $@ $< $(filter %.o,$^) $(LDFLAGS)

$(FUZZ_BUILD)/fuzz_cli: $(FUZZ_BUILD)/obj/cli.o $(FUZZ_BUILD)/obj/options.o \
	$(FUZZ_BUILD)/obj/settings.o $(FUZZ_BUILD)/obj/parse.o $(FUZZ_BUILD)/obj/signame.o \
	$(FUZZ_BUILD)/obj/duration.o $(FUZZ_BUILD)/obj/sysio.o
$(FUZZ_BUILD)/fuzz_parse: $(FUZZ_BUILD)/obj/parse.o $(FUZZ_BUILD)/obj/signame.o $(FUZZ_BUILD)/obj/duration.o $(FUZZ_BUILD)/obj/sysio.o
$(FUZZ_BUILD)/fuzz_passwd: $(FUZZ_BUILD)/obj/passwd.o $(FUZZ_BUILD)/obj/parse.o

check-fuzz:
	@if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then \
		echo "fuzz: skipped: no '$(FUZZ_CC)' command in PATH (make deps installs clang)"; \
		$(call TALLY,skip,fuzz); \
	elif ! $(FUZZ_PROBE); then \
		echo "fuzz: skipped: $(FUZZ_CC) cannot link -fsanitize=fuzzer, no libFuzzer runtime" \
			"(make deps installs libclang-rt-$$($(FUZZ_CC) -dumpversion | cut -d. -f1)-dev)"; \
		$(call TALLY,skip,fuzz); \
	else \
		if $(MAKE) --no-print-directory fuzz-build && \
			tests/fuzz/run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS); then \
			$(call TALLY,pass,fuzz); else $(call TALLY,fail,fuzz); exit 1; fi; \
	fi

fuzz-replay:
	@$(MAKE) --no-print-directory FUZZ_SECONDS=0 check-fuzz

# Runs before deps' own recipe (a prerequisite), so it installs clang itself
# when missing, then the runtime matching `clang -dumpversion`. A failure
# here only means check-fuzz will skip: it must not stop `make check`.
deps: fuzz-deps
fuzz-deps:
	@command -v apt-get >/dev/null 2>&1 || exit 0; \
	if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then \
		[ "$(FUZZ_CC)" = clang ] || exit 0; \
		echo "make fuzz-deps: installing clang"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends clang || \
			{ echo "make fuzz-deps: could not install clang; check-fuzz will skip"; exit 0; }; \
	fi; \
	command -v $(FUZZ_CC) >/dev/null 2>&1 || exit 0; \
	if ! $(FUZZ_PROBE); then \
		pkg=libclang-rt-$$($(FUZZ_CC) -dumpversion | cut -d. -f1)-dev; \
		echo "make fuzz-deps: installing $$pkg (the libFuzzer runtime)"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$pkg || \
			echo "make fuzz-deps: could not install $$pkg; check-fuzz will skip"; \
	fi
