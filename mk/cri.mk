# ---- Kubernetes' runtime: containerd's CRI plugin (issue 18, item 3) ----------
#
#   make check-cri   tests/cri/check_cri: a private containerd (its own config,
#                    root, state, socket and runc root under /tmp; Debian's
#                    containerd and runc) with reaper -P as the CRI plugin's
#                    sandbox (pause) image, driven by crictl; in make check.
#                    One "cri: skipped: ..." line where it cannot run (not
#                    root, no containerd, no crictl, containerd does not start)
#   make check-cri-stale  tests/cri/stale-run.sh: a run KILLed once its first pod
#                    is up, then a whole run, which must remove what the first
#                    left (its directory, containerd, shims, pods, cgroups);
#                    in make check (about 7 s); skips where check-cri does
#   make crictl      $(CRICTL): crictl $(CRICTL_VERSION) from the Go module proxy
#                    (go install), when it is not there yet
#
# The images are imported, never pulled: docker/oci-archive.sh writes them
# from the context `make docker-context` stages. crictl v1.34 speaks CRI v1,
# which containerd 1.6 serves.

CRICTL_VERSION := v1.34.0
CRICTL := $(BUILD)/tools/crictl
CRI_SUITE := $(BUILD)/tests/cri/check_cri
CRI_LIB := tests/cri/critest.c tests/cri/crid.c tests/cri/cristale.c $(ENGINE_LIB)

.PHONY: check-cri check-cri-stale crictl

$(BUILD)/tests/cri:
	mkdir -p $@

$(BUILD)/tests/cri/%: tests/cri/%.c tests/check_main.c $(CRI_LIB) $(wildcard tests/cri/*.h) \
		$(ENGINE_H) | $(BUILD)/tests/cri
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(TEST_INCLUDE) -Itests/cri -Itests/engine \
		-DREAPER_BUILD_DIR='"$(abspath $(BUILD))"' -DREAPER_SOURCE_DIR='"$(CURDIR)"' \
		-DREAPER_DOCKER_CONTEXT='"$(abspath $(DOCKER_CONTEXT))"' \
		-o $@ $< tests/check_main.c $(CRI_LIB) $(ALL_LDFLAGS) $(CHECK_LIBS)

# Not an error when go or the proxy cannot be reached: check-cri then skips.
crictl:
	@[ -x $(CRICTL) ] || { command -v go >/dev/null 2>&1 && \
		GOBIN=$(abspath $(BUILD)/tools) timeout 600 \
		go install sigs.k8s.io/cri-tools/cmd/crictl@$(CRICTL_VERSION); } || true

# The suite exits 77 when it skips (it says why in one line). The machine's
# docker0 bridge once vanished while private daemons were tried here (issue
# 18): if it was there before the suite, it must be there after.
check-cri:
	@if [ "$$(id -u)" != 0 ]; then \
		echo "cri: skipped: needs root (containerd, mounts, cgroups); running as uid $$(id -u)"; \
		$(call TALLY,skip,cri); \
	elif ! command -v containerd >/dev/null 2>&1; then \
		echo "cri: skipped: no containerd (Debian package containerd)"; $(call TALLY,skip,cri); \
	else \
		$(MAKE) --no-print-directory crictl; \
		if [ ! -x $(CRICTL) ]; then \
			echo "cri: skipped: no crictl: go install of sigs.k8s.io/cri-tools/cmd/crictl@$(CRICTL_VERSION) failed (go or the module proxy missing)"; \
			$(call TALLY,skip,cri); \
		else \
			$(MAKE) --no-print-directory docker-context $(CRI_SUITE) || exit 1; \
			echo "== $(CRI_SUITE)"; status=0; \
			bridge=$$([ -e /sys/class/net/docker0 ] && echo docker0); \
			REAPER_CRICTL=$(abspath $(CRICTL)) timeout 300 $(CRI_SUITE) || status=$$?; \
			if [ -n "$$bridge" ] && [ ! -e /sys/class/net/docker0 ]; then \
				echo "cri: the machine's docker0 bridge is gone after the suite"; status=1; \
			fi; \
			case $$status in \
			0) $(call TALLY,pass,cri) ;; \
			77) $(call TALLY,skip,cri); status=0 ;; \
			*) $(call TALLY,fail,cri) ;; \
			esac; \
			exit $$status; \
		fi; \
	fi

# Skips where check-cri skips (its own line says why), without a second line.
check-cri-stale:
	@if [ "$$(id -u)" != 0 ] || ! command -v containerd >/dev/null 2>&1; then \
		echo "cri-stale: skipped: as check-cri (root and containerd needed)"; \
		$(call TALLY,skip,cri-stale); exit 0; \
	fi; \
	$(MAKE) --no-print-directory crictl; \
	if [ ! -x $(CRICTL) ]; then \
		echo "cri-stale: skipped: no crictl"; $(call TALLY,skip,cri-stale); exit 0; \
	fi; \
	$(MAKE) --no-print-directory docker-context $(CRI_SUITE) || exit 1; \
	echo "== cri-stale (tests/cri/stale-run.sh)"; \
	status=0; REAPER_CRICTL=$(abspath $(CRICTL)) timeout 400 sh tests/cri/stale-run.sh \
		$(CRI_SUITE) || status=$$?; \
	case $$status in \
	0) $(call TALLY,pass,cri-stale) ;; \
	77) $(call TALLY,skip,cri-stale); status=0 ;; \
	*) $(call TALLY,fail,cri-stale) ;; \
	esac; \
	exit $$status

CHECK_EXTRA += check-cri check-cri-stale
