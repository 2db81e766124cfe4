#!/bin/sh
# Write an OCI image archive (an image layout in a tar) of the files
# docker/stage.sh staged, for engines that import images rather than build
# them: `ctr -n k8s.io images import`, `podman load`, `docker load`. No
# engine and no network needed: tar, sha256sum and a few lines of JSON.
#
#   docker/oci-archive.sh CONTEXT OUT.tar NAME:TAG [ENTRYPOINT...]
#
# The image has one uncompressed layer, the Dockerfile's file system:
#   /sbin/reaper, /bin/busybox and its applets, /helpers/, /etc/passwd and
#   /etc/group, /home/app (1000:1000), /tmp (1777)
# and PATH=/helpers:/bin:/sbin. With ENTRYPOINT words (e.g. /sbin/reaper
# --pause, for a pod's sandbox image) they are its ENTRYPOINT and it has no
# CMD; without, no ENTRYPOINT and CMD /bin/sh. NAME:TAG is the name
# containerd gives it on import (annotation io.containerd.image.name, and
# org.opencontainers.image.ref.name with the tag). The layer is written
# with fixed owners, order and times, so the same files give the same
# digests.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: docker/oci-archive.sh CONTEXT OUT.tar NAME:TAG [ENTRYPOINT...]" >&2
	exit 2
fi
ctx=$1 out=$2 ref=$3
shift 3
for f in reaper busybox bin helpers etc home/app dirs/tmp; do
	[ -e "$ctx/$f" ] || { echo "docker/oci-archive.sh: $ctx/$f missing: run make docker-context" >&2; exit 1; }
done
case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/oci-archive.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/sbin" "$root/bin" "$root/helpers" "$root/etc" "$root/home" "$root/tmp" \
	"$work/layout/blobs/sha256"
cp -P "$ctx/reaper" "$root/sbin/reaper"
cp -P "$ctx/busybox" "$ctx"/bin/* "$root/bin/"
cp -P "$ctx"/helpers/* "$root/helpers/"
cp -P "$ctx"/etc/* "$root/etc/"
mkdir -p "$root/home/app"
chmod 0755 "$root" "$root/sbin" "$root/bin" "$root/helpers" "$root/etc" "$root/home" \
	"$root/home/app"
chmod 1777 "$root/tmp"

# One tar, root's files first, then /home/app appended with its owner.
layer=$work/layer.tar
tarflags="--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
	--sort=name --mtime=@0 --numeric-owner"
# shellcheck disable=SC2086 # tarflags: several options on purpose
tar -C "$root" $tarflags --owner=0 --group=0 --exclude=./home/app -cf "$layer" .
# shellcheck disable=SC2086
tar -C "$root" $tarflags --owner=1000 --group=1000 -rf "$layer" ./home/app

# blob FILE: move FILE into the layout under its digest; prints
# "DIGEST SIZE".
blob() {
	digest=$(sha256sum "$1" | cut -d ' ' -f 1)
	size=$(wc -c <"$1" | tr -d ' ')
	mv "$1" "$work/layout/blobs/sha256/$digest"
	echo "$digest $size"
}

# JSON strings of the entrypoint words (backslash and quote escaped).
json_words() {
	sep=""
	for w in "$@"; do
		printf '%s"%s"' "$sep" "$(printf '%s' "$w" | sed 's/[\\"]/\\&/g')"
		sep=","
	done
}

if [ $# -gt 0 ]; then
	run="\"Entrypoint\":[$(json_words "$@")]"
else
	run='"Cmd":["/bin/sh"]'
fi

read -r layer_digest layer_size <<EOF
$(blob "$layer")
EOF

printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",\
\"config\":{\"Env\":[\"PATH=/helpers:/bin:/sbin\"],$run,\"WorkingDir\":\"/\"},\
\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$layer_digest\"]},\
\"history\":[{\"created_by\":\"docker/oci-archive.sh\"}]}" >"$work/config.json"
read -r config_digest config_size <<EOF
$(blob "$work/config.json")
EOF

printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\
\"digest\":\"sha256:$config_digest\",\"size\":$config_size},\
\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\
\"digest\":\"sha256:$layer_digest\",\"size\":$layer_size}]}" >"$work/manifest.json"
read -r manifest_digest manifest_size <<EOF
$(blob "$work/manifest.json")
EOF

printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\
\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\
\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"},\
\"annotations\":{\"io.containerd.image.name\":\"$ref\",\
\"org.opencontainers.image.ref.name\":\"${ref##*:}\"}}]}" >"$work/layout/index.json"

tar -C "$work/layout" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
	-cf "$out.tmp" oci-layout index.json blobs
mv "$out.tmp" "$out"
