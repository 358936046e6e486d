#!/usr/bin/env bash
# `npm run image`: the flashable Raspberry Pi image, out/stratum1d-<version>-arm64.img.
#
# Debian trixie arm64 built by mmdebstrap through qemu-user, with the stratum1d .deb installed
# and `stratum1d setup` applied. No loop devices and no mounts of the image: the boot
# partition is made with mkfs.vfat -C + mcopy, the root with mkfs.ext4 -d, and both are
# written into a sparse file partitioned by sfdisk (dd conv=notrunc). Run as root (mmdebstrap
# needs it to chroot, and root-owned files must keep their owners in the ext4 image).
#
#   image/build.sh [--deb FILE] [--keep-rootfs]
#
# Downloads are cached in out/cache/image/apt-arm64/ (a second build downloads nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
here=$repo/image
# shellcheck source=image/lib/common.sh
. "$here/lib/common.sh"

deb=""
keep_rootfs=0
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) deb=$2; shift 2 ;;
    --keep-rootfs) keep_rootfs=1; shift ;;
    *) echo "usage: image/build.sh [--deb FILE] [--keep-rootfs]" >&2; exit 64 ;;
  esac
done

version=$(node -p "require('./package.json').version")
cache=$repo/out/cache/image
rootfs=$cache/rootfs
img=$repo/out/stratum1d-$version-arm64.img
mkdir -p "$cache/apt-arm64" "$repo/out"

started=$(date +%s)
ensure_host_tools
ensure_arm64_emulation
[ -n "$deb" ] || deb=$(ensure_deb "$version")
[ "$deb" = none ] || deb=$(readlink -f "$deb")
say "package: $deb"

# ---- the root filesystem ------------------------------------------------------------------
if [ "$deb" = none ]; then
  deb_hooks=(--customize-hook="'$here/lib/customize.sh' \"\$1\" none")
else
  deb_hooks=(--customize-hook="copy-in '$deb' /tmp" --customize-hook="'$here/lib/customize.sh' \"\$1\" '/tmp/$(basename "$deb")'")
fi
packages=$(grep -v '^\s*#' "$here/packages.txt" | xargs | tr ' ' ',')
rm -rf "$rootfs"
say "mmdebstrap trixie arm64 into $rootfs"
# Hooks run on the host with $1 = the chroot. The customize hooks are in image/lib/customize.sh.
mmdebstrap \
  --variant=minbase \
  --architectures=arm64 \
  --components=main,non-free-firmware \
  --include="$packages" \
  --skip=essential/unlink \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='force-unsafe-io' \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="sync-in '$cache/apt-arm64' /var/cache/apt/archives/" \
  --essential-hook="'$here/lib/essential.sh' \"\$1\"" \
  "${deb_hooks[@]}" \
  --customize-hook="sync-out /var/cache/apt/archives '$cache/apt-arm64'" \
  trixie "$rootfs" http://deb.debian.org/debian
say "root filesystem ready after $(( $(date +%s) - started )) s"
# Keep in the cache only what this image installed, so it does not grow with every Debian
# point release (names as apt stores them: an epoch's ':' is '%3a').
dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${Package}_${Version}_${Architecture}.deb\n' \
  | sed 's/:/%3a/g' | sort >"$cache/installed.list"
for f in "$cache"/apt-arm64/*.deb; do
  grep -qxF "$(basename "$f")" "$cache/installed.list" || rm -f "$f"
done

# ---- the disk image -----------------------------------------------------------------------
"$here/lib/assemble.sh" "$rootfs" "$img"
[ "$keep_rootfs" = 1 ] || rm -rf "$rootfs"
say "built $img in $(( $(date +%s) - started )) s ($(du -h --apparent-size "$img" | cut -f1) apparent, $(du -h "$img" | cut -f1) allocated)"
