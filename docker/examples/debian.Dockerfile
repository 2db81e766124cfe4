# reaper in a Debian-based image, built from source in a first stage.
#
#   docker build -f docker/examples/debian.Dockerfile -t my-app .   # from the repository root
#
# Not built by the tests: this machine cannot pull debian:bookworm. The
# FROM-scratch image in docker/Dockerfile is the one tested here.

FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libcap-dev make pkg-config
WORKDIR /src
COPY . .
RUN make && strip build/reaper

FROM debian:bookworm-slim
# build/reaper links glibc and libcap.so.2 (libcap2), which the slim image has.
COPY --from=build /src/build/reaper /usr/local/bin/reaper
RUN useradd --uid 1000 --create-home app
COPY my-server /usr/local/bin/my-server

# Exec form, so reaper and not a shell is PID 1. reaper starts as root and
# runs the server as app, keeping only the capability to bind port 80
# (what gosu or su-exec would do beside tini). Anything after the image
# name in `docker run` replaces CMD and is still run by reaper.
ENTRYPOINT ["/usr/local/bin/reaper", "--user", "app", "--caps", "net_bind_service", "--"]
CMD ["my-server", "--port", "80"]
