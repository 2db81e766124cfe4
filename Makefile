# reaper: a PID-1 init and child subreaper.
#
#   make            build/reaper
#   make demo       build and run the demonstration (as PID 1 when allowed);
#                   installs only what it needs (demo-deps)
#   make check      install missing build deps, build, run every test
#                   (the docker end-to-end tests too, when an engine answers;
#                   the namespace suites only as root); ends with one line,
#                   "N passed, N failed"
#   make static     build/reaper-static, for FROM-scratch images
#   make docker-image   the FROM-scratch test image reaper:VERSION (docker/)
#   make docker-slim    the slim image reaper:VERSION-slim (mk/docker-slim.mk)
#   make install    PREFIX=/usr/local DESTDIR=
#   make uninstall  the same PREFIX and DESTDIR
#   make deb        build/reaper_VERSION-1_ARCH.deb (mk/deb.mk)
#   make release    static binaries for x86_64 and aarch64 (mk/release.mk)
#   make clean
#
# We append to the user's CFLAGS/LDFLAGS, never replace them. WERROR=1 turns
# warnings into errors (CI sets it).

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

# Debian packages needed to build and test; `make deps` installs the missing.
DEB_BUILD_DEPS := libcap-dev check pkg-config
# strace: the idle test observes reaper's system calls with it (issue 2, test 11).
DEB_TEST_DEPS := strace

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wundef -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wswitch-enum -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif
HARDEN := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	-fstack-clash-protection -fPIE
# Control-flow protection for the machine the compiler targets (a cross
# build is not for the machine it runs on): CET on x86, PAC and BTI on arm64.
TARGET_MACHINE := $(shell $(CC) -dumpmachine 2>/dev/null)
ifneq ($(filter x86_64-% i386-% i486-% i586-% i686-%,$(TARGET_MACHINE)),)
HARDEN += -fcf-protection
endif
ifneq ($(filter aarch64-%,$(TARGET_MACHINE)),)
HARDEN += -mbranch-protection=standard
endif
HARDEN_LD := -pie -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--as-needed

# reaper itself is built for size (an init is on every container's disk and
# in its memory; its work is system calls, not computation): -Os, each
# function in its own section so the linker drops what nothing calls, no
# unwind tables (C without exceptions; debuggers use the debug info), GOT
# calls instead of a PLT (with -z now every symbol is bound at start
# anyway), and relative relocations packed (DT_RELR) where the toolchain
# has them: a PIE's pointer tables otherwise cost 24 bytes per pointer.
SIZE_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-unwind-tables -fno-plt
RELR := $(shell printf 'int main(void){return 0;}' | $(CC) -x c -Wl,--fatal-warnings -Wl,-z,pack-relative-relocs -o /dev/null - 2>/dev/null && echo -Wl,-z,pack-relative-relocs)
SIZE_LDFLAGS := -Wl,--gc-sections $(RELR)

# libcap: capability names, the kernel's capability count and the IAB sets
# --caps keeps (issue 16); libcap.so.2 in the dynamic build, libcap.a in
# the static one.
CAP_CFLAGS = $(shell $(PKG_CONFIG) --cflags libcap 2>/dev/null)
CAP_LIBS = $(shell $(PKG_CONFIG) --libs libcap 2>/dev/null)
CAP_STATIC_LIBS = $(shell $(PKG_CONFIG) --static --libs libcap 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# The commit reaper was built from, for --version ("git.abc1234"; "unknown"
# outside a git checkout). Only main.o carries it, and it depends on
# $(COMMIT_STAMP), rewritten when the commit changes: a new commit rebuilds
# one object, not all of them.
# Exactly 7 digits (--short may give more): docker info parses the line,
# and older engines mis-parse a longer hash (issue 18).
GIT_COMMIT := $(shell git rev-parse HEAD 2>/dev/null | cut -c1-7)
REAPER_COMMIT := $(if $(GIT_COMMIT),git.$(GIT_COMMIT),unknown)
COMMIT_STAMP = $(BUILD)/commit

ALL_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) -DREAPER_VERSION='"$(VERSION)"' $(CFLAGS)
# src/ only: the tests and helpers keep -O2 and their unwind tables.
SRC_CFLAGS = -std=gnu11 $(WARN) $(HARDEN) $(SIZE_CFLAGS) -DREAPER_VERSION='"$(VERSION)"' $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LD) $(LDFLAGS)

SRCS := $(wildcard src/*.c)
OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(BUILD)/obj/main.o,$(OBJS))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/check_*.c))
INTEG_TESTS := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(wildcard tests/integration/check_*.c))
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))
INTEG_LIB := $(wildcard tests/integration/harness*.c)
# The engine suites' shared runner (docker, dockerd, cri, podman); never
# the integration harness, which makes the runner a subreaper.
ENGINE_LIB := tests/engine/cmdrun.c
ENGINE_H := tests/engine/cmdrun.h
# Declares test_suite() for every check_*.c without each file repeating it.
TEST_INCLUDE := -include tests/suite.h

.PHONY: all deps check check-unit check-integration demo demo-deps install uninstall clean helpers static
all: $(BUILD)/reaper

# A static reaper for images with nothing else in them (FROM scratch).
# Plain -static, not -static-pie: the self-relocation code and tables of a
# static PIE make even an empty glibc main 728 kB against 683 kB (issue 7
# wants <= 720 kB), and without them the start-up writes no relocations.
# Its stack, heap and mappings are still placed at random; its own code is
# not. glibc warns that getpwnam & co. need NSS at run time: reaper never
# calls them (it reads /etc/passwd and /etc/group itself).
static: $(BUILD)/reaper-static

$(BUILD)/reaper-static: $(OBJS)
	$(CC) $(SRC_CFLAGS) -o $@ $^ -static -no-pie \
		-Wl,-z,relro,-z,now,-z,noexecstack $(SIZE_LDFLAGS) $(LDFLAGS) $(CAP_STATIC_LIBS)

# src/ is GNU C throughout; tests choose their own feature macros.
$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)/obj
	$(CC) -D_GNU_SOURCE $(SRC_CFLAGS) $(CAP_CFLAGS) -c -o $@ $<

$(BUILD)/obj/main.o: $(COMMIT_STAMP)
$(BUILD)/obj/main.o: SRC_CFLAGS += -DREAPER_COMMIT='"$(REAPER_COMMIT)"'

$(BUILD)/reaper: $(OBJS)
	$(CC) $(SRC_CFLAGS) -o $@ $^ $(HARDEN_LD) $(SIZE_LDFLAGS) $(LDFLAGS) $(CAP_LIBS)

$(BUILD)/obj $(BUILD)/tests/unit $(BUILD)/tests/integration $(BUILD)/helpers:
	mkdir -p $@

# Unit tests link every module but main; each check_<module>.c is its own
# binary with the shared runner tests/check_main.c.
$(BUILD)/tests/unit/%: tests/unit/%.c tests/check_main.c $(LIB_OBJS) $(wildcard src/*.h tests/unit/*.h) | $(BUILD)/tests/unit
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(TEST_INCLUDE) -Isrc -o $@ $< tests/check_main.c $(LIB_OBJS) \
		$(ALL_LDFLAGS) $(CAP_LIBS) $(CHECK_LIBS)

# Integration tests drive the built binary; they find it and the helpers
# through REAPER_BUILD_DIR, and the repository's files (README, man page)
# through REAPER_SOURCE_DIR, both fixed at build time.
$(BUILD)/tests/integration/%: tests/integration/%.c tests/check_main.c $(INTEG_LIB) $(wildcard tests/integration/*.h) | $(BUILD)/tests/integration
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(TEST_INCLUDE) -Isrc -Itests/integration \
		-DREAPER_BUILD_DIR='"$(abspath $(BUILD))"' -DREAPER_SOURCE_DIR='"$(CURDIR)"' \
		-o $@ $< tests/check_main.c $(INTEG_LIB) \
		$(ALL_LDFLAGS) $(CHECK_LIBS)

$(BUILD)/helpers/%: tests/helpers/%.c $(wildcard tests/helpers/*.h) | $(BUILD)/helpers
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS)

helpers: $(HELPERS)

deps:
	@missing=""; \
	command -v $(PKG_CONFIG) >/dev/null 2>&1 || missing="$(DEB_BUILD_DEPS)"; \
	$(PKG_CONFIG) --exists check 2>/dev/null || missing="$$missing check"; \
	$(PKG_CONFIG) --exists libcap 2>/dev/null || missing="$$missing libcap-dev"; \
	for tool in $(DEB_TEST_DEPS); do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Each step re-enters make so that pkg-config flags are read after deps ran.
# -k: one failing group of suites does not hide the others. Fragments in
# mk/*.mk add their own groups to CHECK_EXTRA (sanitizers, fuzzing, ...).
# Every group appends each suite's outcome to $(CHECK_TALLY) (CHECK_TALLY_FILE,
# see tests/run-suites and TALLY below), and the run ends with one line for
# all of them, "N passed, N failed" (tests/check-summary). check-docker
# comes last, after the suites that start private engines (dockerd, Podman,
# containerd): should one of them break the machine's engine (its docker0
# bridge, say), the ordinary Docker suites fail instead of hiding it.
CHECK_EXTRA :=
CHECK_TALLY = $(abspath $(BUILD))/check-tally
check: deps
	@[ "$$(id -u)" = 0 ] || echo "make check: not root (uid $$(id -u)): the integration" \
		"suites that run reaper in PID namespaces need root; each is skipped with one line"
	@rm -f $(CHECK_TALLY); status=0; \
	$(MAKE) --no-print-directory all helpers $(UNIT_TESTS) $(INTEG_TESTS) || status=$$?; \
	if [ $$status = 0 ]; then \
		CHECK_TALLY_FILE=$(CHECK_TALLY) $(MAKE) --no-print-directory -k check-unit \
			check-integration $(CHECK_EXTRA) check-docker || status=$$?; \
	fi; \
	tests/check-summary $(CHECK_TALLY) $$status

# A recipe line recording one outcome for make check's closing line:
# $(call TALLY,pass|fail|skip,NAME); nothing outside make check.
TALLY = [ -z "$$CHECK_TALLY_FILE" ] || echo "$(1) $(2)" >>"$$CHECK_TALLY_FILE"

check-unit: $(UNIT_TESTS)
	@tests/run-suites $(UNIT_TESTS)

# The integration suites that need no root. Every other one runs reaper as
# PID 1 of a PID namespace, as another user or in a cgroup: run-suites
# skips it, with one line, when make runs as another user.
INTEG_UNPRIVILEGED := check_badvalues check_hygiene check_links check_manpage check_pty
INTEG_RUN = $(foreach t,$(1),$(if $(filter $(INTEG_UNPRIVILEGED),$(notdir $(t))),$(t),root:$(t)))

# check_static_names runs the static build in a root of its own with a
# static busybox: without these two it could only skip.
check-integration: $(BUILD)/reaper $(BUILD)/reaper-static docker-deps $(HELPERS) $(INTEG_TESTS)
	@tests/run-suites $(call INTEG_RUN,$(INTEG_TESTS))

# `make demo` needs far less than make check: what builds reaper
# (DEB_BUILD_DEPS but Check, the test framework) and ps(1) for the demo's
# job (procps); unshare(1) and the shell tools are in every Debian. Checked
# by package with dpkg-query; where there is none, nothing is installed.
DEB_DEMO_DEPS = $(filter-out check,$(DEB_BUILD_DEPS)) procps

demo-deps:
	@command -v dpkg-query >/dev/null 2>&1 || exit 0; missing=""; \
	command -v $(firstword $(CC)) >/dev/null 2>&1 || missing="gcc libc6-dev"; \
	for pkg in $(DEB_DEMO_DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$pkg 2>/dev/null | grep -q ' installed$$' || \
			missing="$$missing $$pkg"; \
	done; \
	[ -n "$$missing" ] || exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make demo: missing$$missing; install them as root (apt-get install$$missing)"; \
		exit 1; \
	fi; \
	echo "make demo-deps: installing$$missing"; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing

demo: demo-deps
	$(MAKE) --no-print-directory all
	@tests/demo.sh $(BUILD)

install: $(BUILD)/reaper
	install -D -m 0755 $(BUILD)/reaper $(DESTDIR)$(PREFIX)/bin/reaper
	@if [ -f doc/reaper.1 ]; then install -D -m 0644 doc/reaper.1 $(DESTDIR)$(PREFIX)/share/man/man1/reaper.1; fi

# What install installed, under the same PREFIX and DESTDIR; the
# directories stay (others may share them).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/reaper $(DESTDIR)$(PREFIX)/share/man/man1/reaper.1

clean:
	rm -rf $(BUILD)

# ---- Containers (issue 4) ---------------------------------------------------
#
#   make static-helpers  tests/helpers/*.c linked statically (build/static-helpers)
#   make docker-context  stage build/docker/context for docker/Dockerfile
#   make docker-image    docker build it: $(DOCKER_IMAGE):$(VERSION) and :latest
#   make check-docker    end-to-end tests (tests/docker) against the engine that
#                        `docker info` reaches; one "docker: skipped: ..." line
#                        and success when there is none
#
# The image is FROM scratch: the static reaper, Debian's static busybox
# ($(BUSYBOX), package busybox-static) and the static helpers, all made or
# installed here, so nothing is pulled.
DOCKER ?= docker
DOCKER_IMAGE ?= reaper
BUSYBOX ?= /bin/busybox
DOCKER_CONTEXT := $(BUILD)/docker/context
STATIC_HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/static-helpers/%,$(wildcard tests/helpers/*.c))
DOCKER_TESTS := $(patsubst tests/docker/%.c,$(BUILD)/tests/docker/%,$(wildcard tests/docker/check_*.c))
STATIC_LDFLAGS = -static -no-pie \
	-Wl,-z,relro,-z,now,-z,noexecstack $(LDFLAGS)
# `docker info` may hang on a dead socket: bound it.
DOCKER_PROBE = timeout 30 $(DOCKER) info >/dev/null 2>&1

.PHONY: static-helpers docker-deps docker-context docker-image check-docker

static-helpers: $(STATIC_HELPERS)

$(BUILD)/static-helpers $(BUILD)/tests/docker:
	mkdir -p $@

$(BUILD)/static-helpers/%: tests/helpers/%.c $(wildcard tests/helpers/*.h) | $(BUILD)/static-helpers
	$(CC) $(ALL_CFLAGS) -o $@ $< $(STATIC_LDFLAGS)

# A dynamic /bin/busybox (Debian's package busybox) cannot run FROM scratch.
docker-deps:
	@if [ "$(BUSYBOX)" = /bin/busybox ] && { [ ! -x /bin/busybox ] || \
		readelf -l /bin/busybox 2>/dev/null | grep -q 'program interpreter'; }; then \
		echo "make docker-deps: installing busybox-static"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends busybox-static; \
	fi

# Re-staged every time (a few copies): docker build's cache keeps it cheap.
docker-context: $(BUILD)/reaper-static $(STATIC_HELPERS) docker-deps
	docker/stage.sh $(DOCKER_CONTEXT) $(BUILD)/reaper-static $(BUILD)/static-helpers $(BUSYBOX)

docker-image: docker-context $(BUILD)/reaper
	$(DOCKER) build -t $(DOCKER_IMAGE):$(VERSION) -t $(DOCKER_IMAGE):latest $(DOCKER_CONTEXT)
	@ls -l $(BUILD)/reaper $(BUILD)/reaper-static $(DOCKER_CONTEXT)/reaper
	@$(DOCKER) image ls $(DOCKER_IMAGE):$(VERSION)

# The end-to-end suites build their own image (a tag per run) from the
# staged context, and remove it and every container they made.
DOCKER_LIB := tests/docker/dockertest.c $(ENGINE_LIB)
$(BUILD)/tests/docker/%: tests/docker/%.c tests/check_main.c $(DOCKER_LIB) $(INTEG_LIB) \
		$(wildcard tests/docker/*.h tests/integration/*.h $(ENGINE_H)) | $(BUILD)/tests/docker
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(TEST_INCLUDE) -Isrc -Itests/integration -Itests/docker \
		-Itests/engine \
		-DREAPER_BUILD_DIR='"$(abspath $(BUILD))"' \
		-DREAPER_DOCKER_CONTEXT='"$(abspath $(DOCKER_CONTEXT))"' \
		-o $@ $< tests/check_main.c $(DOCKER_LIB) $(INTEG_LIB) $(ALL_LDFLAGS) $(CHECK_LIBS)

check-docker:
	@if ! command -v $(DOCKER) >/dev/null 2>&1; then \
		echo "docker: skipped: no '$(DOCKER)' command in PATH"; $(call TALLY,skip,docker); \
	elif ! $(DOCKER_PROBE); then \
		echo "docker: skipped: no engine answers (docker info failed)"; $(call TALLY,skip,docker); \
	else \
		$(MAKE) --no-print-directory docker-context $(DOCKER_TESTS) && \
		REAPER_DOCKER=$(DOCKER) tests/run-suites $(DOCKER_TESTS); \
	fi

# One fragment per concern (mk/<name>.mk): each owns its targets and may
# append to CHECK_EXTRA and DEB_TEST_DEPS.
include $(sort $(wildcard mk/*.mk))

# ---- Flags as a prerequisite ---------------------------------------------------
#
# $(FLAGS_STAMP) holds the compiler and every flag the rules above use; it
# is rewritten (and so becomes newer) only when they change, when make
# reads this file. Whatever is compiled from source depends on it, so
# switching WERROR=1, SANITIZE, CFLAGS or CC rebuilds what they affect
# instead of reusing objects built without them; the programs linked from
# objects follow their objects. Last in the file, after mk/*.mk changed
# what they change (HARDEN under SANITIZE=asan).
FLAGS_STAMP := $(BUILD)/flags
FLAGS_LINE := $(CC) $(SRC_CFLAGS) | $(ALL_CFLAGS) | $(ALL_LDFLAGS) | $(SIZE_LDFLAGS) \
	| $(STATIC_LDFLAGS) | $(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) \
	| $(CAP_CFLAGS) $(CAP_LIBS) $(CAP_STATIC_LIBS)
ifneq ($(file < $(FLAGS_STAMP)),$(FLAGS_LINE))
$(shell mkdir -p $(BUILD))
$(file > $(FLAGS_STAMP),$(FLAGS_LINE))
endif
ifneq ($(file < $(COMMIT_STAMP)),$(REAPER_COMMIT))
$(shell mkdir -p $(BUILD))
$(file > $(COMMIT_STAMP),$(REAPER_COMMIT))
endif

$(OBJS) $(UNIT_TESTS) $(INTEG_TESTS) $(HELPERS) $(STATIC_HELPERS) $(DOCKER_TESTS) \
	$(BENCH_HELPERS) $(FUZZ_BINS) $(patsubst src/%.c,$(FUZZ_BUILD)/obj/%.o,$(SRCS)): $(FLAGS_STAMP)
