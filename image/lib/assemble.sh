#!/usr/bin/env bash
# The disk image from a root filesystem directory, with no loop device and no mount:
#   assemble.sh ROOTFS IMAGE
# MBR (every Pi's boot ROM reads it): partition 1 = FAT32 "RASPIFIRM" with the contents of
# ROOTFS/boot/firmware (config.txt, cmdline.txt, kernel, initrd, DTBs, start*.elf), partition
# 2 = ext4 "RASPIROOT" with the rest. The root holds the installed system plus some room; the
# first boot grows it to the card. Both are built as files and copied into a sparse image.
set -euo pipefail
rootfs=$1
img=$2
say() { echo "image: $*" >&2; }

start_mib=4    # the first partition at 4 MiB: aligned to any SD card's erase block
boot_mib=256   # kernel + initrd + DTBs + firmware use ~90 MiB; room for a second kernel
spare_mib=384  # free space on the root before the first boot grows it

work=$(mktemp -d "$(dirname "$img")/.assemble.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- boot partition: FAT32 from the firmware directory ---------------------------------------
[ -f "$rootfs/boot/firmware/config.txt" ] || { say "$rootfs/boot/firmware/config.txt missing"; exit 1; }
mkfs.vfat -C -F 32 -n RASPIFIRM "$work/boot.fat" $((boot_mib * 1024)) >/dev/null
mcopy -s -p -m -i "$work/boot.fat" "$rootfs"/boot/firmware/* ::/
# The directory stays as the mount point (fstab mounts LABEL=RASPIFIRM there).
find "$rootfs/boot/firmware" -mindepth 1 -delete

# ---- root partition: ext4 from the directory ----------------------------------------------------
used_mib=$(du -s --block-size=1M "$rootfs" | cut -f1)
root_mib=$(( (used_mib * 115 / 100 + spare_mib + 3) / 4 * 4 ))
mkfs.ext4 -q -F -L RASPIROOT -d "$rootfs" "$work/root.ext4" "${root_mib}M"

# ---- the image --------------------------------------------------------------------------------
rm -f "$img"
total_mib=$((start_mib + boot_mib + root_mib))
truncate -s "${total_mib}M" "$img"
sector=512
sfdisk --quiet "$img" <<EOF
label: dos
unit: sectors
start=$((start_mib * 1048576 / sector)), size=$((boot_mib * 1048576 / sector)), type=c, bootable
start=$(((start_mib + boot_mib) * 1048576 / sector)), size=$((root_mib * 1048576 / sector)), type=83
EOF
dd if="$work/boot.fat" of="$img" bs=1M seek="$start_mib" conv=notrunc,sparse status=none
dd if="$work/root.ext4" of="$img" bs=1M seek=$((start_mib + boot_mib)) conv=notrunc,sparse status=none
if command -v bmaptool >/dev/null 2>&1; then
  bmaptool create -o "$img.bmap" "$img"
fi
say "partitions: boot ${boot_mib} MiB (FAT32 RASPIFIRM), root ${root_mib} MiB (ext4 RASPIROOT, ${used_mib} MiB used)"
