# ---- reaper as the engine's init: a private dockerd (issue 18) ---------------
#
#   make check-dockerd   tests/dockerd against a private dockerd each suite
#                        starts and stops itself (own config file, roots,
#                        socket, network and mount namespaces; "init-path"
#                        the static reaper), then a guard: `docker run
#                        --rm` of the slim image on the machine engine's
#                        default network, so a private daemon that broke
#                        the machine's engine (its docker0 bridge) fails
#                        here instead of hiding; in make check
#
# A suite whose daemon cannot start (not root, no dockerd) says so in one
# line and passes; the guard is skipped when no engine answers.

DOCKERD_TESTS := $(patsubst tests/dockerd/%.c,$(BUILD)/tests/dockerd/%,$(wildcard tests/dockerd/check_*.c))

.PHONY: check-dockerd

$(BUILD)/tests/dockerd:
	mkdir -p $@

$(BUILD)/tests/dockerd/%: tests/dockerd/%.c tests/check_main.c $(DOCKER_LIB) $(INTEG_LIB) \
		$(wildcard tests/docker/*.h tests/integration/*.h) $(ENGINE_H) $(BUILD)/flags \
		| $(BUILD)/tests/dockerd
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(TEST_INCLUDE) -Isrc -Itests/integration -Itests/docker \
		-Itests/engine \
		-DREAPER_BUILD_DIR='"$(abspath $(BUILD))"' \
		-DREAPER_DOCKER_CONTEXT='"$(abspath $(DOCKER_CONTEXT))"' \
		-o $@ $< tests/check_main.c $(DOCKER_LIB) $(INTEG_LIB) $(ALL_LDFLAGS) $(CHECK_LIBS)

check-dockerd:
	@status=0; \
	$(MAKE) --no-print-directory docker-context $(DOCKERD_TESTS) && \
	REAPER_DOCKER=$(DOCKER) tests/run-suites $(addprefix root:,$(DOCKERD_TESTS)) || status=1; \
	if ! command -v $(DOCKER) >/dev/null 2>&1 || ! $(DOCKER_PROBE); then \
		echo "docker default network: skipped: no engine answers"; \
		$(call TALLY,skip,docker default network); \
	elif $(MAKE) --no-print-directory -s docker-slim >/dev/null 2>&1 && \
		timeout 60 $(DOCKER) run --rm --entrypoint /sbin/reaper $(SLIM_IMAGE) --version; then \
		echo "docker default network: ok (docker run --rm on the machine's engine)"; \
		$(call TALLY,pass,docker default network); \
	else \
		echo "docker default network: FAILED: docker run --rm on the machine's engine" \
			"(is its docker0 bridge still there? ip link show docker0; or make docker-slim failed)"; \
		$(call TALLY,fail,docker default network); status=1; \
	fi; \
	exit $$status

CHECK_EXTRA += check-dockerd
