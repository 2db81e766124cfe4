# reaper -P as the pause (sandbox) container of Kubernetes Pods: it runs no
# command, holds the Pod's namespaces, and reaps every orphan re-parented to
# it until TERM or INT (then exits 0). See k8s-pause-pod.yaml.
#
#   make static
#   docker build -f docker/examples/pause.Dockerfile -t registry.example.com/reaper-pause:0.1.0 .
#
# The same as the tests' "8 pause container" case (tests/docker), which
# runs reaper -P and shares its PID namespace with another container.

FROM scratch
COPY build/reaper-static /sbin/reaper
# Reaping needs no privilege: run as nobody, like the stock pause image.
USER 65535:65535
ENTRYPOINT ["/sbin/reaper", "--pause"]
