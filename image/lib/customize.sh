#!/usr/bin/env bash
# mmdebstrap customize hook: $1 = the chroot (arm64, run through qemu-user), $2 = the stratum1d
# .deb as seen inside it ("none": skip it, for working on the image without a package).
# Installs the package, applies `stratum1d setup` the way a Pi owner would, adds the first-boot
# service and the network configuration, and strips what must differ per card (SSH host keys,
# machine id).
set -euo pipefail
root=$1
deb=$2
here=$(cd "$(dirname "$0")/.." && pwd)
in_root() { chroot "$root" "$@"; }
say() { echo "image: $*" >&2; }

# ---- the package ---------------------------------------------------------------------------
if [ "$deb" != none ]; then
  say "installing $(basename "$deb")"
  in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" >&2
  rm -f "$root$deb"
fi

# ---- Debian's Pi firmware: root by label --------------------------------------------------------
# raspi-firmware writes cmdline.txt from /etc/default/raspi-firmware at every kernel update;
# root=LABEL= finds the root on an SD card, a USB disk or QEMU's virtio disk alike.
# CMA=0: no cma= on the command line. The hook adds cma=64M unless it sees it is running on a
# Pi 4, where that setting can keep the board from booting; built in a chroot it sees no
# board, and this one image is for every board (headless: no GPU memory needed).
sed -i -E -e 's|^#?ROOTPART=.*|ROOTPART=LABEL=RASPIROOT|' -e 's|^#?CMA=.*|CMA=0|' "$root/etc/default/raspi-firmware"
grep -q '^ROOTPART=LABEL=RASPIROOT$' "$root/etc/default/raspi-firmware" && grep -q '^CMA=0$' "$root/etc/default/raspi-firmware" \
  || { echo "image: could not set ROOTPART/CMA in /etc/default/raspi-firmware" >&2; exit 1; }

# ---- the initramfs, once ---------------------------------------------------------------------
# (essential.sh postponed it.) Its post-update hook is raspi-firmware's: kernel, initrd and
# DTBs into /boot/firmware, config.txt and cmdline.txt written from the settings above.
if [ -e "$root/usr/sbin/update-initramfs.stratum1d-image" ]; then
  rm -f "$root/usr/sbin/update-initramfs"
  in_root dpkg-divert --quiet --local --rename --divert /usr/sbin/update-initramfs.stratum1d-image --remove /usr/sbin/update-initramfs
fi
kver=$(basename "$(ls -d "$root"/usr/lib/modules/* | sort -V | tail -n 1)")
say "initramfs for $kver"
in_root update-initramfs -c -k "$kver" >&2

# ---- stratum1d setup ------------------------------------------------------------------------
# The shipped code (pure JavaScript here: setup loads no native module) run by the host's node,
# at native speed, against the image's root. Debian firmware: PPS through the GPIO character
# device, no serial console, serial gettys masked, chrony include rendered.
if [ -f "$root/usr/lib/stratum1d/bin/stratum1d.js" ]; then
  stratum1d=("$root/usr/lib/stratum1d/bin/stratum1d.js")
else
  stratum1d=("$here/../bin/stratum1d.js") # --deb none: the working tree
fi
# The package ships /etc/stratum1d/config.yaml with every key commented out (all defaults:
# /dev/serial0, which Debian's firmware does not create). On such a file setup would only
# recommend a change: move it aside so setup writes its starting keys for this firmware
# (the header UART, PPS kind gpio), and keep the commented reference below them.
config=$root/etc/stratum1d/config.yaml
reference=""
if [ -f "$config" ] && ! grep -qvE '^[[:space:]]*(#|$)' "$config"; then
  reference=$(mktemp)
  mv "$config" "$reference"
fi
node "${stratum1d[@]}" setup --root "$root" >&2
if [ -n "$reference" ]; then
  { echo; cat "$reference"; } >>"$config"
  rm -f "$reference"
fi
# The firmware hook regenerates config.txt and cmdline.txt from the /etc/default files setup
# just edited, the way the next kernel update will: what the card boots with is what stays.
in_root env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware "$kver" "/boot/vmlinuz-$kver" >&2
# Setup again: it must find everything in place (it is idempotent, and the hook kept its edits).
node "${stratum1d[@]}" setup --root "$root" >&2

# ---- image files: first boot, network, mounts -------------------------------------------------
cp -a --no-preserve=ownership "$here/rootfs/." "$root/"
chmod 0755 "$root/usr/lib/stratum1d-image/firstboot"
install -m 0644 "$here/stratum1d.txt" "$root/boot/firmware/stratum1d.txt"
install -D -m 0644 "$here/README.md" "$root/usr/share/doc/stratum1d-image/README.md"
# wpa_supplicant@wlan0 starts when wlan0 appears, not at boot (the unit's own WantedBy= would
# hold every boot on a board or VM without Wi-Fi until the device times out).
mkdir -p "$root/etc/systemd/system/sys-subsystem-net-devices-wlan0.device.wants"
ln -sf /usr/lib/systemd/system/wpa_supplicant@.service "$root/etc/systemd/system/sys-subsystem-net-devices-wlan0.device.wants/wpa_supplicant@wlan0.service"
in_root systemctl enable stratum1d-firstboot.service systemd-networkd.service systemd-resolved.service >&2
# Nothing here waits for "network online", and with no cable and no Wi-Fi configured it would
# hold the boot for two minutes.
in_root systemctl disable systemd-networkd-wait-online.service >&2 || true
# systemd-firstboot would ask for a locale, keymap and root password on the console at the
# first boot; stratum1d-firstboot.service configures the card instead.
in_root systemctl mask systemd-firstboot.service >&2
echo stratum1d >"$root/etc/hostname"
chmod 0644 "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tstratum1d\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"

# ---- what must differ per card --------------------------------------------------------------------
rm -f "$root"/etc/ssh/ssh_host_*
# Empty: systemd writes a fresh machine id at the first boot.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root/var/lib/systemd/random-seed"
