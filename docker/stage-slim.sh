#!/bin/sh
# Stage the build context of docker/slim.Dockerfile: the static reaper,
# stripped, and docker/slim/etc (passwd and group: root and nobody).
#
#   docker/stage-slim.sh CONTEXT REAPER_STATIC [STRIP]
#
# STRIP is the strip(1) of the binary's architecture (default: strip;
# aarch64-linux-gnu-strip for the aarch64 release binary). A dynamic
# reaper could not start in this image, so it is refused.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: docker/stage-slim.sh CONTEXT REAPER_STATIC [STRIP]" >&2
	exit 2
fi
ctx=$1 reaper=$2 strip=${3:-strip}
here=$(dirname "$0")

[ -x "$reaper" ] || { echo "docker/stage-slim.sh: $reaper: missing or not executable" >&2; exit 1; }
if readelf -l "$reaper" 2>/dev/null | grep -q 'program interpreter'; then
	echo "docker/stage-slim.sh: $reaper is dynamically linked: build it with 'make static'" >&2
	exit 1
fi

rm -rf "$ctx"
mkdir -p "$ctx/etc"
cp "$here/slim.Dockerfile" "$ctx/Dockerfile"
"$strip" -o "$ctx/reaper" "$reaper"
cp "$here/slim/etc/passwd" "$here/slim/etc/group" "$ctx/etc/"
chmod 0644 "$ctx/etc/passwd" "$ctx/etc/group"
