#!/bin/sh
# PID 1 of the kernel-lab guest (test/kernel/lab/klab.ts boots it). The host's / is the guest's
# read-only root; the writable `work` share is where the host left run.sh and where results go.
# Everything the kernel needs is built in: no modules, no udev.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t configfs configfs /sys/kernel/config
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/pts /dev/shm /tmp/work
mount -t devpts -o ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 work /tmp/work
# The guest has no network and no RTC worth trusting: the host passes its clock.
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    klab.epoch=*) date -u -s "@${arg#klab.epoch=}" >/dev/null ;;
  esac
done
echo "klab: init at $(cut -d' ' -f1 /proc/uptime) s, clock $(date -u +%FT%TZ)"
sh /tmp/work/run.sh >/tmp/work/guest.log 2>&1
echo $? >/tmp/work/status
echo "klab: run.sh exited $(cat /tmp/work/status) at $(cut -d' ' -f1 /proc/uptime) s"
sync
umount /tmp/work 2>/dev/null
echo o >/proc/sysrq-trigger

