#!/bin/sh
# Stage the build context of docker/Dockerfile: everything the FROM-scratch
# image holds, made or installed on this machine (no image is pulled).
#
#   docker/stage.sh CONTEXT REAPER_STATIC STATIC_HELPERS_DIR BUSYBOX
#
# CONTEXT is emptied and refilled with:
#   Dockerfile                 docker/Dockerfile
#   reaper                     the static reaper, stripped
#   busybox                    a static busybox (Debian: busybox-static)
#   bin/                       applet symlinks to /bin/busybox
#   helpers/                   the static test helpers, stripped
#   etc/passwd, etc/group      docker/rootfs/etc: names for --user
#
# A dynamic binary would not start in an image without a libc, so each one
# is checked for a program interpreter (PT_INTERP) and refused with a line
# that says what to install or build.
set -eu

if [ $# -ne 4 ]; then
	echo "usage: docker/stage.sh CONTEXT REAPER_STATIC STATIC_HELPERS_DIR BUSYBOX" >&2
	exit 2
fi
ctx=$1 reaper=$2 helpers=$3 busybox=$4
here=$(dirname "$0")

# The applets the tests and a shell user need; busybox --list has the rest.
applets="sh ash cat chmod cp date echo env false grep head id kill ls mkdir
mkfifo mv printf ps pwd readlink rm sed sleep sort tail test [ touch tr true
uname wc"

is_static() {
	# readelf -l prints "Requesting program interpreter" only for a
	# dynamic executable.
	! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

for f in "$reaper" "$busybox"; do
	[ -x "$f" ] || { echo "docker/stage.sh: $f: missing or not executable" >&2; exit 1; }
done
if ! is_static "$busybox"; then
	echo "docker/stage.sh: $busybox is dynamically linked: install Debian's busybox-static" >&2
	exit 1
fi
if ! is_static "$reaper"; then
	echo "docker/stage.sh: $reaper is dynamically linked: build it with 'make static'" >&2
	exit 1
fi

rm -rf "$ctx"
mkdir -p "$ctx/bin" "$ctx/helpers" "$ctx/etc"
cp "$here/Dockerfile" "$ctx/Dockerfile"
strip -o "$ctx/reaper" "$reaper"
cp "$busybox" "$ctx/busybox"
for a in $applets; do
	ln -s busybox "$ctx/bin/$a"
done
for h in "$helpers"/*; do
	is_static "$h" || { echo "docker/stage.sh: $h is dynamically linked" >&2; exit 1; }
	strip -o "$ctx/helpers/$(basename "$h")" "$h"
done
cp "$here/rootfs/etc/passwd" "$here/rootfs/etc/group" "$ctx/etc/"
chmod 0644 "$ctx/etc/passwd" "$ctx/etc/group"
mkdir -p "$ctx/home/app" "$ctx/dirs/tmp"
chmod 0755 "$ctx/home/app"
chmod 1777 "$ctx/dirs/tmp"
