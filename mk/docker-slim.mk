# ---- Slim and multi-architecture images (issues 18 and 19) -------------------
#
#   make docker-slim       reaper:VERSION-slim: docker/slim.Dockerfile, the
#                          static reaper and /etc/passwd, /etc/group only
#   make docker-multiarch  the slim image per release architecture, from the
#                          binaries of `make release`: reaper:VERSION-amd64
#                          and reaper:VERSION-arm64, the same files and
#                          ENTRYPOINT, each image's config naming its
#                          architecture (docker/mkimage.sh; nothing runs
#                          at build time, so no emulation is needed)
#
# Each context is staged by docker/stage-slim.sh under $(BUILD)/docker/:
# slim (this machine's build/reaper-static) and slim-ARCH (a release binary).
# The test image of docker/Dockerfile (make docker-image) stays separate: it
# carries busybox and the test helpers. The suites of tests/docker test the
# slim image too (check_docker_slim), so docker-context stages it as well.

SLIM_CONTEXT := $(BUILD)/docker/slim
SLIM_IMAGE := $(DOCKER_IMAGE):$(VERSION)-slim

.PHONY: docker-slim-context docker-slim docker-multiarch

docker-slim-context: $(BUILD)/reaper-static
	docker/stage-slim.sh $(SLIM_CONTEXT) $(BUILD)/reaper-static

docker-context: docker-slim-context

docker-slim: docker-slim-context
	$(DOCKER) build -t $(SLIM_IMAGE) $(SLIM_CONTEXT)
	@$(DOCKER) image ls $(DOCKER_IMAGE)

# One context and one image per architecture, written as a `docker load`
# archive by docker/mkimage.sh (the legacy builder of Docker 20.10 records
# the machine's architecture whatever --platform says); the tag names
# Docker's architecture, the binary the release's (x86_64, aarch64).
docker-multiarch: release
	@set -e; $(foreach a,$(RELEASE_ARCHES), \
		docker/stage-slim.sh $(BUILD)/docker/slim-$(RELEASE_DEBARCH_$(a)) \
			$(RELEASE_DIR)/reaper-$(VERSION)-$(a) $(RELEASE_TRIPLET_$(a))-strip; \
		SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || echo 0) \
		docker/mkimage.sh $(BUILD)/docker/slim-$(RELEASE_DEBARCH_$(a)) $(RELEASE_DEBARCH_$(a)) \
			$(DOCKER_IMAGE):$(VERSION)-$(RELEASE_DEBARCH_$(a)) | $(DOCKER) load;)
	@$(DOCKER) image ls $(DOCKER_IMAGE)

# check_docker_slim runs docker/stage-slim.sh and docker/mkimage.sh.
$(BUILD)/tests/docker/check_docker_slim: CFLAGS += -DREAPER_SOURCE_DIR='"$(CURDIR)"'
