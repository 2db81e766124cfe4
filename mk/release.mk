# ---- Release binaries (issue 19) ---------------------------------------------
#
#   make release        static, stripped reaper for every RELEASE_ARCHES in
#                       $(RELEASE_DIR): reaper-VERSION-ARCH, SHA256SUMS over
#                       them and BUILDINFO (commit, compiler, the glibc and
#                       libcap each binary carries); installs what it needs
#                       first (release-deps)
#   make release-deps   the cross compiler, cross glibc and the foreign
#                       libcap (Debian multiarch) of every foreign
#                       architecture, qemu-user-static, file(1), lintian
#                       and dpkg-dev (dpkg-shlibdeps, for make deb); as root
#   make check-release  make release and make deb, then tests/release:
#                       check_release (checksums, file(1), --version, and
#                       each binary's core behaviour as PID 1 of a PID
#                       namespace, the foreign one under qemu-user) and
#                       check_deb (lintian; apt install, run, apt remove);
#                       in make check
#
# Each architecture is built by make itself, re-entered with the target's
# compiler, its pkg-config directory and a build directory of its own
# ($(RELEASE_DIR)/ARCH), so its objects never mix with the host's; the
# hardening flags follow the compiler's target (TARGET_MACHINE).

RELEASE_DIR := $(BUILD)/release
RELEASE_ARCHES := x86_64 aarch64
HOST_ARCH := $(shell uname -m)
# Per architecture: GNU triplet (compiler prefix, multiarch directory) and
# Debian architecture (package suffix).
RELEASE_TRIPLET_x86_64 := x86_64-linux-gnu
RELEASE_TRIPLET_aarch64 := aarch64-linux-gnu
RELEASE_DEBARCH_x86_64 := amd64
RELEASE_DEBARCH_aarch64 := arm64
RELEASE_BINS := $(foreach a,$(RELEASE_ARCHES),$(RELEASE_DIR)/reaper-$(VERSION)-$(a))
RELEASE_FOREIGN := $(filter-out $(HOST_ARCH),$(RELEASE_ARCHES))
# Debian's cross packages of one architecture: gcc-aarch64-linux-gnu,
# libc6-dev-arm64-cross, libcap-dev:arm64.
release_cross_pkgs = gcc-$(subst _,-,$(RELEASE_TRIPLET_$(1))) \
	libc6-dev-$(RELEASE_DEBARCH_$(1))-cross libcap-dev:$(RELEASE_DEBARCH_$(1))
RELEASE_PKGS := $(foreach a,$(RELEASE_FOREIGN),$(call release_cross_pkgs,$(a))) \
	qemu-user-static file lintian dpkg-dev
# check_release, and check_deb for make deb (mk/deb.mk).
RELEASE_SUITES := $(patsubst tests/release/%.c,$(BUILD)/tests/release/%,$(wildcard tests/release/check_*.c))

.PHONY: release release-deps check-release

# Missing packages by dpkg-query; a foreign architecture is added to dpkg
# (and the lists updated) only when one of its packages is missing.
release-deps:
	@command -v dpkg-query >/dev/null 2>&1 || exit 0; missing=""; \
	for pkg in $(RELEASE_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$pkg 2>/dev/null | grep -q ' installed$$' || \
			missing="$$missing $$pkg"; \
	done; \
	[ -n "$$missing" ] || exit 0; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make release-deps: missing$$missing; install them as root (make release-deps)"; \
		exit 1; \
	fi; \
	for arch in $(foreach a,$(RELEASE_FOREIGN),$(RELEASE_DEBARCH_$(a))); do \
		dpkg --print-foreign-architectures | grep -qx $$arch || dpkg --add-architecture $$arch; \
	done; \
	echo "make release-deps: installing$$missing"; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing

# Each binary re-enters make (always: that make knows what changed), after
# release-deps.
$(RELEASE_DIR)/reaper-$(VERSION)-%: release-deps
	$(MAKE) --no-print-directory BUILD=$(abspath $(RELEASE_DIR))/$* \
		CC=$(RELEASE_TRIPLET_$*)-gcc \
		PKG_CONFIG="env PKG_CONFIG_LIBDIR=/usr/lib/$(RELEASE_TRIPLET_$*)/pkgconfig:/usr/share/pkgconfig $(PKG_CONFIG)" \
		$(abspath $(RELEASE_DIR))/$*/reaper-static
	$(RELEASE_TRIPLET_$*)-strip -o $@ $(RELEASE_DIR)/$*/reaper-static

release: $(RELEASE_BINS)
	cd $(RELEASE_DIR) && sha256sum $(notdir $(RELEASE_BINS)) >SHA256SUMS
	@{ echo "reaper $(VERSION) - $(REAPER_COMMIT)"; \
	$(foreach a,$(RELEASE_ARCHES),echo "reaper-$(VERSION)-$(a): static, stripped;" \
		"$$($(RELEASE_TRIPLET_$(a))-gcc --version | head -n 1);" \
		"glibc $$($(call release_dpkg_version,$(a),libc6-dev));" \
		"libcap $$($(call release_dpkg_version,$(a),libcap-dev))";) \
	} >$(RELEASE_DIR)/BUILDINFO
	@cat $(RELEASE_DIR)/BUILDINFO
	@ls -l $(RELEASE_BINS)

# $(call release_dpkg_version,ARCH,PACKAGE): the version of the package a
# binary of ARCH was linked against (the -cross glibc for a foreign one).
release_dpkg_version = dpkg-query -W -f='$${Version}' \
	$(if $(filter $(1)-$(2),$(RELEASE_FOREIGN:=-libc6-dev)),libc6-dev-$(RELEASE_DEBARCH_$(1))-cross,$(2):$(RELEASE_DEBARCH_$(1))) \
	2>/dev/null || echo unknown

# The suite runs the release binaries with the host's helpers (build/helpers):
# without binfmt_misc the kernel cannot exec an aarch64 child.
$(BUILD)/tests/release:
	mkdir -p $@

$(BUILD)/tests/release/%: tests/release/%.c tests/check_main.c $(INTEG_LIB) \
		$(wildcard tests/integration/*.h) $(FLAGS_STAMP) $(COMMIT_STAMP) | $(BUILD)/tests/release
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(TEST_INCLUDE) -Isrc -Itests/integration \
		-DREAPER_BUILD_DIR='"$(abspath $(BUILD))"' -DREAPER_SOURCE_DIR='"$(CURDIR)"' \
		-DREAPER_RELEASE_DIR='"$(abspath $(RELEASE_DIR))"' \
		-DREAPER_COMMIT='"$(REAPER_COMMIT)"' -DREAPER_DEB_FILE='"$(abspath $(DEB_FILE))"' \
		-o $@ $< tests/check_main.c $(INTEG_LIB) $(ALL_LDFLAGS) $(CHECK_LIBS)

# Not root and something missing: one line, and make check goes on.
check-release:
	@if [ "$$(id -u)" != 0 ] && ! $(MAKE) --no-print-directory -s release-deps >/dev/null 2>&1; then \
		echo "release: skipped: needs root to install$(foreach p,$(RELEASE_PKGS), $(p))"; \
		$(call TALLY,skip,release); \
	else \
		$(MAKE) --no-print-directory release deb helpers $(RELEASE_SUITES) && \
		tests/run-suites $(addprefix root:,$(RELEASE_SUITES)); \
	fi

CHECK_EXTRA += check-release
