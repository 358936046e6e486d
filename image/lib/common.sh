# Shared by the image build steps (sourced, bash).

say() { echo "image: $*" >&2; }
die() { echo "image: $*" >&2; exit 1; }

# The build's tools, from Debian (a fresh CI machine has none of them).
ensure_host_tools() {
  local missing=()
  local tool pkg
  for tool in mmdebstrap:mmdebstrap qemu-aarch64-static:qemu-user-static update-binfmts:binfmt-support \
    arch-test:arch-test mkfs.vfat:dosfstools mcopy:mtools sfdisk:fdisk mkfs.ext4:e2fsprogs; do
    pkg=${tool#*:}
    command -v "${tool%%:*}" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; }
  fi
}

# arm64 binaries in the chroot run through qemu-user: binfmt_misc must be mounted (a VM or
# container without systemd does not mount it) and the qemu-aarch64 entry enabled.
ensure_arm64_emulation() {
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
  fi
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >&2 || true
  arch-test arm64 >/dev/null || die "arm64 binaries do not run here (qemu-user-static + binfmt-support)"
}

# The arm64 package: out/stratum1d_<version>_arm64.deb, built when missing.
ensure_deb() {
  local version=$1
  local deb=out/stratum1d_${version}_arm64.deb
  if [ ! -f "$deb" ]; then
    say "no $deb: npm run package -- --arch arm64"
    npm run package -- --arch arm64 >&2 || die "npm run package failed"
  fi
  [ -f "$deb" ] || die "npm run package did not write $deb"
  echo "$deb"
}
