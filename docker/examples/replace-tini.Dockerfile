# reaper as a drop-in for tini: change the program, keep the flags.
# reaper takes tini's -s, -g, -p SIG, -e CODE, -w, -v, -l and its
# TINI_SUBREAPER, TINI_VERBOSITY and TINI_KILL_PROCESS_GROUP variables with
# tini's meaning; installed under the name tini it also takes tini's
# defaults (the child alone gets signals, leftovers are left at exit, usage
# errors exit 1): README.md, "Drop-in under a peer's name".
#
# Not built by the tests (my-app-image cannot be pulled here); the flags
# are checked in docker/README.md's transcript.

FROM my-app-image

# was: ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /tini
COPY build/reaper-static /tini

# Unchanged: reaper installed under tini's old path. -g sends signals to
# the child's process group, -e 143 makes a death by TERM exit 0.
ENTRYPOINT ["/tini", "-g", "-e", "143", "--"]
CMD ["my-server"]
