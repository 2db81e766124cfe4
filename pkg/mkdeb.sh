#!/bin/sh
# pkg/mkdeb.sh BUILD VERSION COMMIT (run by make deb): the Debian package of reaper,
# BUILD/reaper_VERSION-1_ARCH.deb, from BUILD/reaper and BUILD/reaper-static,
# with dpkg-deb alone (no debhelper: one binary, a man page, two docs).
#
#   /usr/bin/reaper                     the dynamic build (libc6, libcap2)
#   /usr/lib/reaper/reaper-static       the static build, to copy into
#                                       images that have no libc (not on
#                                       PATH: one reaper command is enough)
#   /usr/share/man/man1/reaper.1.gz
#   /usr/share/doc/reaper/copyright     DEP-5, from LICENSE
#   /usr/share/doc/reaper/changelog.Debian.gz
#
# Depends comes from dpkg-shlibdeps (the symbol versions reaper uses).
# Dates are the commit's (SOURCE_DATE_EPOCH when set), so two builds of
# one commit give the same package.
set -eu
build=$1
version=$2
commit=$3
src=$(cd "$(dirname "$0")/.." && pwd)
arch=$(dpkg --print-architecture)
debversion=$version-1
root=$build/deb/root
out=$build/reaper_${debversion}_${arch}.deb

epoch=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)}

# make deb has run `make install DESTDIR=$root PREFIX=/usr` into a fresh
# $root: the package holds what make install installs, and more.
[ -x "$root/usr/bin/reaper" ] || { echo "mkdeb: no $root/usr/bin/reaper (make deb)" >&2; exit 1; }
mkdir -p "$root/DEBIAN" "$root/usr/share/doc/reaper"
install -D -m 0755 "$build/reaper-static" "$root/usr/lib/reaper/reaper-static"
# No symbol tables in a package (the build has no debug info to keep).
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$root/usr/bin/reaper" "$root/usr/lib/reaper/reaper-static"
gzip -9n "$root/usr/share/man/man1/reaper.1"

{
	echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	echo "Upstream-Name: reaper"
	echo
	echo "Files: *"
	sed -n 's/^Copyright (c) /Copyright: /p' "$src/LICENSE"
	echo "License: Expat"
	echo
	echo "License: Expat"
	# The license text after its copyright line, blank lines as " .".
	sed -n '/^Permission is hereby granted/,$p' "$src/LICENSE" | sed 's/^$/./; s/^/ /'
} >"$root/usr/share/doc/reaper/copyright"

{
	echo "reaper ($debversion) unstable; urgency=medium"
	echo
	echo "  * Built by make deb from $commit."
	echo
	echo " -- reaper authors <reaper@reaper.invalid>  $(LC_ALL=C date -u -R -d "@$epoch")"
} | gzip -9n >"$root/usr/share/doc/reaper/changelog.Debian.gz"

# dpkg-shlibdeps wants a debian/control to read; a minimal one in a
# directory of its own.
shl=$build/deb/shlibdeps
mkdir -p "$shl/debian"
printf 'Source: reaper\n\nPackage: reaper\nArchitecture: any\n' >"$shl/debian/control"
depends=$(cd "$shl" && dpkg-shlibdeps -O -e"$root/usr/bin/reaper" 2>/dev/null |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: reaper
Version: $debversion
Architecture: $arch
Maintainer: reaper authors <reaper@reaper.invalid>
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Description: PID-1 init and child subreaper for containers
 reaper runs one job as PID 1 of a container (or as a child subreaper
 on a host): it forwards signals to the job, reaps the orphans that are
 re-parented to it, and exits with the job's exit code.
 .
 This package holds the dynamic build in /usr/bin and a static build in
 /usr/lib/reaper/reaper-static, to copy into images without a libc.
CONTROL
(cd "$root" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$epoch" {} +
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
