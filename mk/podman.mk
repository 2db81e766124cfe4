# ---- Podman (issue 18, item 2) ----------------------------------------------
#
#   make check-podman   tests/podman/check_podman against Podman: --init and
#                       init_path, a pod whose infra is reaper --pause, kube
#                       play of docker/examples/k8s-*.yaml; rootful, and
#                       rootless as nobody where the machine allows it
#
# Installs Debian's podman (without its recommends: no CNI plugins, no
# slirp4netns; the tests use no network) when it is missing and make runs
# as root. Everything the suite makes lives in a private directory under
# /tmp (containers.conf, storage, runc state) and is removed at its end;
# images are imported from $(PODMAN_ROOTFS), made here, never pulled. One
# line "podman: skipped: ..." where Podman cannot run.
PODMAN ?= podman
PODMAN_ROOTFS := $(BUILD)/podman/rootfs.tar
PODMAN_TESTS := $(BUILD)/tests/podman/check_podman
PODMAN_LIB := tests/podman/podtest.c tests/podman/podstore.c $(ENGINE_LIB)

.PHONY: check-podman podman-deps
CHECK_EXTRA += check-podman

podman-deps:
	@if ! command -v $(PODMAN) >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
		command -v apt-get >/dev/null 2>&1; then \
		echo "make podman-deps: installing podman"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends podman; \
	fi

$(BUILD)/podman $(BUILD)/tests/podman:
	mkdir -p $@

# The root file system of every image the suite imports (docker/Dockerfile's
# layout, plus tests/podman/bin).
$(PODMAN_ROOTFS): docker-context tests/podman/rootfs.sh $(wildcard tests/podman/bin/*) | $(BUILD)/podman
	tests/podman/rootfs.sh $(DOCKER_CONTEXT) $@

$(BUILD)/tests/podman/%: tests/podman/%.c tests/check_main.c $(PODMAN_LIB) tests/podman/podtest.h \
		tests/podman/podstore.h $(ENGINE_H) | $(BUILD)/tests/podman
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(TEST_INCLUDE) -Itests/podman -Itests/engine \
		-DREAPER_BUILD_DIR='"$(abspath $(BUILD))"' -DREAPER_SOURCE_DIR='"$(CURDIR)"' \
		-DREAPER_PODMAN_ROOTFS='"$(abspath $(PODMAN_ROOTFS))"' \
		-o $@ $< tests/check_main.c $(PODMAN_LIB) $(ALL_LDFLAGS) $(CHECK_LIBS)

# The Makefile's $(FLAGS_STAMP), defined after this file is read.
$(PODMAN_TESTS): $(BUILD)/flags

check-podman: podman-deps
	@if ! command -v $(PODMAN) >/dev/null 2>&1; then \
		echo "podman: skipped: no '$(PODMAN)' command in PATH (make podman-deps installs it as root)"; \
		$(call TALLY,skip,podman); \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "podman: skipped: rootful Podman (required before rootless) needs root, not uid $$(id -u)"; \
		$(call TALLY,skip,podman); \
	else \
		$(MAKE) --no-print-directory $(PODMAN_ROOTFS) $(BUILD)/reaper-static $(PODMAN_TESTS) && \
		tests/run-suites $(PODMAN_TESTS); \
	fi
