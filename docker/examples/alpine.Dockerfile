# Alpine-style: the static reaper needs no libc at all, so it goes as is
# into a musl image (or FROM scratch, or distroless).
#
#   make static          # build/reaper-static: static, needs no libc
#   docker build -f docker/examples/alpine.Dockerfile -t my-app .
#
# Not built by the tests: this machine cannot pull alpine. The same binary
# runs in docker/Dockerfile's FROM-scratch image, which is tested.

FROM alpine:3.20
COPY build/reaper-static /sbin/reaper
# --user names come from /etc/passwd and /etc/group, read by reaper itself
# (no NSS), so the static build resolves them in any image.
RUN adduser -D -u 1000 app
COPY my-server /usr/local/bin/my-server

ENTRYPOINT ["/sbin/reaper", "--user", "app", "--"]
CMD ["my-server"]
