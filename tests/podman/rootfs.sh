#!/bin/sh
# Make the root file system tarball the Podman suite imports as its images
# (`podman import`: nothing is pulled), from the context `make
# docker-context` staged for docker/Dockerfile, laid out as that Dockerfile
# lays it out:
#
#   tests/podman/rootfs.sh CONTEXT OUT.tar
#
#   /sbin/reaper               the static reaper
#   /bin/busybox, /bin/*       static busybox and its applet symlinks
#   /helpers/                  the static test helpers
#   /usr/local/bin/            tests/podman/bin: stand-ins for the programs
#                              the Kubernetes examples run (my-server, ...)
#   /etc/passwd, /etc/group    names for --user
#   /home/app                  owned by app (1000:1000)
#   /tmp                       mode 1777
#
# Every file belongs to root but /home/app. An imported image has no
# ENTRYPOINT, CMD or PATH: the suite sets them with `podman import --change`.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: tests/podman/rootfs.sh CONTEXT OUT.tar" >&2
	exit 2
fi
ctx=$1 out=$2
[ -x "$ctx/reaper" ] || { echo "tests/podman/rootfs.sh: $ctx/reaper missing: make docker-context" >&2; exit 1; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/reaper-rootfs-XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/sbin" "$stage/tmp" "$stage/home/app" "$stage/usr/local/bin"
cp "$ctx/reaper" "$stage/sbin/reaper"
cp -a "$ctx/bin" "$stage/bin"
cp "$ctx/busybox" "$stage/bin/busybox"
cp -a "$ctx/helpers" "$ctx/etc" "$stage/"
cp "$(dirname "$0")"/bin/* "$stage/usr/local/bin/"
chmod 1777 "$stage/tmp"
chmod 0755 "$stage/home/app"

tar -C "$stage" --owner=0 --group=0 --numeric-owner --exclude=./home/app \
	-cf "$out.new" ./sbin ./bin ./helpers ./etc ./tmp ./home ./usr
tar -C "$stage" --owner=1000 --group=1000 --numeric-owner -rf "$out.new" ./home/app
mv "$out.new" "$out"
