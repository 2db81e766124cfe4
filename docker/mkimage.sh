#!/bin/sh
# Write a `docker load` archive of the slim image for one architecture.
#
#   docker/mkimage.sh CONTEXT ARCH TAG >image.tar
#
# CONTEXT is staged by docker/stage-slim.sh (reaper, etc/passwd, etc/group);
# ARCH is Docker's name (amd64, arm64); TAG names the image (reaper:0.1.0-arm64).
# One layer (/sbin/reaper, /etc/passwd, /etc/group, owned by root) and a
# config that says ARCH, with slim.Dockerfile's ENTRYPOINT. Written by hand
# because neither `docker build --platform` nor `docker import --platform`
# of the legacy builder (Docker 20.10 without BuildKit/buildx) records a
# foreign architecture; nothing in the image runs at build time, so no
# emulation is needed. Creation time: the commit's (SOURCE_DATE_EPOCH), or 0.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: docker/mkimage.sh CONTEXT ARCH TAG" >&2
	exit 2
fi
ctx=$1 arch=$2 tag=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/root/sbin" "$work/root/etc" "$work/out"
cp "$ctx/reaper" "$work/root/sbin/reaper"
cp "$ctx/etc/passwd" "$ctx/etc/group" "$work/root/etc/"
chmod 0755 "$work/root/sbin" "$work/root/etc" "$work/root/sbin/reaper"
chmod 0644 "$work/root/etc/passwd" "$work/root/etc/group"
epoch=${SOURCE_DATE_EPOCH:-0}
tar -C "$work/root" --owner=0 --group=0 --numeric-owner --sort=name \
	--mtime="@$epoch" -cf "$work/layer.tar" sbin etc
layer=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir "$work/out/$layer"
mv "$work/layer.tar" "$work/out/$layer/layer.tar"

created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
variant=
[ "$arch" != arm64 ] || variant='"variant":"v8",'
printf '{"architecture":"%s",%s"os":"linux","created":"%s",' "$arch" "$variant" "$created" >"$work/config"
printf '"config":{"Entrypoint":["/sbin/reaper","--"]},' >>"$work/config"
printf '"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},' "$layer" >>"$work/config"
printf '"history":[{"created":"%s","created_by":"docker/mkimage.sh"}]}' "$created" >>"$work/config"
config=$(sha256sum "$work/config" | cut -d' ' -f1)
mv "$work/config" "$work/out/$config.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
	"$config" "$tag" "$layer" >"$work/out/manifest.json"
tar -C "$work/out" --owner=0 --group=0 --numeric-owner --sort=name -cf - .
