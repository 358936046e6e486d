#!/bin/sh
# mmdebstrap essential hook ($1 = the chroot): runs after the essential packages, before the
# kernel and the rest are installed.
set -eu
root=$1

# The virtio disk and network drivers: harmless on a Pi, and they let the same image boot in
# `qemu-system-aarch64 -M virt` (test/system/image-boot.test.ts). mkinitramfs reads every file
# in this directory besides /etc/initramfs-tools/modules (a conffile we leave alone).
mkdir -p "$root/usr/share/initramfs-tools/modules.d"
cat >"$root/usr/share/initramfs-tools/modules.d/stratum1d-image.conf" <<'MODULES'
# stratum1d image: boot under QEMU's virt machine as well as on a Pi.
virtio_pci
virtio_blk
virtio_net
MODULES

# No initramfs while packages are installed: the kernel's postinst and then the triggers of
# later packages would each build one (minutes apiece under emulation). customize.sh removes
# this stand-in and builds the one initramfs once everything is in place.
chroot "$root" dpkg-divert --quiet --local --rename --divert /usr/sbin/update-initramfs.stratum1d-image --add /usr/sbin/update-initramfs
printf '#!/bin/sh\n# stratum1d image build: postponed to the end of the build.\nexit 0\n' >"$root/usr/sbin/update-initramfs"
chmod 0755 "$root/usr/sbin/update-initramfs"
