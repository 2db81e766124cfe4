# reaper as a drop-in for dumb-init: change the program, keep the flags.
# reaper takes dumb-init's -c/--single-child, -r/--rewrite SIG:SIG, -v, -V
# and DUMB_INIT_SETSID=0 with dumb-init's meaning; installed under the name
# dumb-init it also takes dumb-init's defaults (the child in a session of its
# own, TERM to leftovers at exit, usage errors exit 1): README.md,
# "Drop-in under a peer's name".
#
# Not built by the tests (my-app-image cannot be pulled here).

FROM my-app-image

# was: RUN apt-get install -y dumb-init
COPY build/reaper-static /usr/bin/dumb-init

# Unchanged: `docker stop` sends TERM; the app wants INT to stop cleanly,
# so TERM (15) is forwarded as INT (2).
ENTRYPOINT ["/usr/bin/dumb-init", "--rewrite", "15:2", "--"]
CMD ["my-server"]
