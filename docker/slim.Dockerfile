# The slim reaper image: the static reaper and the two files its --user
# name lookup reads, nothing else (no shell, no test helpers). For
#   COPY --from=reaper:0.1.0-slim /sbin/reaper /sbin/reaper
# in your own images, or as a base to COPY a static app onto.
#
# Built by `make docker-slim` (reaper:VERSION-slim, for this machine):
# docker/stage-slim.sh stages the context in build/docker/slim. `make
# docker-multiarch` makes the same image from the release binaries of
# both architectures (reaper:VERSION-amd64, -arm64) with docker/mkimage.sh.
#
# The ENTRYPOINT ends with "--": what follows the image name is the
# command. Options for reaper go in REAPER_* variables or after
# --entrypoint /sbin/reaper.
FROM scratch
COPY reaper /sbin/reaper
# root and nobody: `reaper --user nobody` and `docker run --user nobody`.
COPY etc/ /etc/
ENTRYPOINT ["/sbin/reaper", "--"]
