#!/bin/sh
# Two whole daemons against real drivers, each feeding a real `chronyd -x` of its own (-x: the
# guest's clock is only measured, never set), in one boot:
#   gpio/    PPS from the configfs bank's GPIO18, read by the daemon through the GPIO character
#            device and sent as SOCK pulse samples; chrony include from `config render`; RTC:
#            the kernel's rtc-test rtc1.
#   kernel/  PPS from the DTB bank's GPIO18, held by pps-gpio (/dev/pps1, next to pps-ktimer's
#            /dev/pps0): pps.kernel.device and timekeeper.pps.device are left `auto`; chronyd
#            reads the device itself, installed and (re)started by `config apply`; RTC: the
#            DS3231 register chip on the SMBus-only i2c-stub, driven over i2c-dev.
# One timer (pulse-loop.mjs) pulses both lines; NMEA comes from the simulator over socat ptys.
# Once both chronyds selected their PPS and the daemons wrote their RTCs, the kernel daemon's
# chronyd is re-applied with timekeeper.pps.device /dev/pps0 (pps-ktimer): the daemon, still
# monitoring pps1, must raise pps-device-mismatch. Results land in /tmp/work for the host.
# Usage: daemon-chronyd.sh REPO MAX_WAIT_S
REPO=$1
MAX=${2:-150}
W=/tmp/work
G=test/kernel/lab/guest
cd "$REPO" || exit 90
ip link set lo up 2>/dev/null
sh $G/sim-bank.sh >$W/bank.txt || exit 91
pulls=$(node $G/pull-files.mjs) || exit 92
echo "pull files: $pulls"
node $G/rtc-seed.mjs || exit 93
mkdir -p $W/gpio $W/kernel

# NMEA: a simulator per daemon, each over its own pty pair.
for s in gpio kernel; do
  mkdir -p /run/s1d-$s /run/s1d-$s-run /tmp/s1d-$s-state /run/klab-$s
  chmod 0750 /run/klab-$s
  socat pty,raw,echo=0,link=/run/gnss-$s-rx pty,raw,echo=0,link=/run/gnss-$s-tx 2>$W/$s/socat.log &
  i=0; while [ ! -e /run/gnss-$s-tx ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  node bin/stratum1d.js simulate --to /run/gnss-$s-tx 2>$W/$s/simulator.log &
  cat >/run/klab-$s/chrony.conf <<CONF
include /run/klab-$s/stratum1d.conf
driftfile /run/klab-$s/drift
pidfile /run/klab-$s/chronyd.pid
bindcmdaddress /run/klab-$s/chronyd.sock
cmdport 0
CONF
done

cat >$W/gpio/s1d.yaml <<YAML
gnss:
  device: /run/gnss-gpio-rx
rtc:
  model: kernel
  kernelDevice: rtc1
  readIntervalS: 5
gpsd:
  enabled: false
http:
  listen: 127.0.0.1:8471
pps:
  gpio:
    chipLabels: [pinctrl-rp1]
timekeeper:
  kind: chrony
  statusIntervalS: 2
  chrony:
    includeFile: /run/klab-gpio/stratum1d.conf
    sockPath: /run/s1d-gpio/nmea.sock
    ppsSockPath: /run/s1d-gpio/pps.sock
    commandSocket: /run/klab-gpio/chronyd.sock
  pps:
    kind: gpio
paths:
  runtimeDir: /run/s1d-gpio-run
  stateDir: /tmp/s1d-gpio-state
YAML

# DEVICE: timekeeper.pps.device (absent: its default, auto).
kernel_yaml() {
  cat <<YAML
gnss:
  device: /run/gnss-kernel-rx
rtc:
  model: ds3231
  i2cDevice: /dev/i2c-0
  readIntervalS: 5
gpsd:
  enabled: false
http:
  listen: 127.0.0.1:8472
timekeeper:
  kind: chrony
  statusIntervalS: 2
  chrony:
    includeFile: /run/klab-kernel/stratum1d.conf
    mainConfig: /run/klab-kernel/chrony.conf
    sockPath: /run/s1d-kernel/nmea.sock
    commandSocket: /run/klab-kernel/chronyd.sock
    restartCommand: [sh, $REPO/$G/chronyd-restart.sh, /run/klab-kernel, $W/kernel/chronyd.log]
    upTimeoutS: 60
  pps:
    kind: kernel
${1:+    device: $1}
paths:
  runtimeDir: /run/s1d-kernel-run
  stateDir: /tmp/s1d-kernel-state
YAML
}
kernel_yaml >$W/kernel/s1d.yaml
kernel_yaml /dev/pps0 >$W/kernel/s1d-ktimer.yaml

node bin/stratum1d.js config render --chrony --config $W/gpio/s1d.yaml >/run/klab-gpio/stratum1d.conf 2>$W/gpio/render.err
cp /run/klab-gpio/stratum1d.conf $W/gpio/stratum1d.conf
chronyd -x -u root -d -f /run/klab-gpio/chrony.conf >$W/gpio/chronyd.log 2>&1 &
node bin/stratum1d.js config apply --json --config $W/kernel/s1d.yaml >$W/kernel/apply.json 2>$W/kernel/apply.err
echo "config apply exit $?"
cp /run/klab-kernel/stratum1d.conf $W/kernel/stratum1d.conf

node $G/pulse-loop.mjs $((MAX + 300)) $pulls &
node bin/stratum1d.js run --config $W/gpio/s1d.yaml 2>$W/gpio/daemon.log &
gpio_pid=$!
node bin/stratum1d.js run --config $W/kernel/s1d.yaml 2>$W/kernel/daemon.log &
kernel_pid=$!

sources() { # STACK [SUFFIX]
  chronyc -h /run/klab-$1/chronyd.sock -c sources >$W/$1/sources$2.csv 2>>$W/$1/chronyc.err
}
start=$(date +%s)
while :; do
  sleep 3
  sources gpio
  sources kernel
  now=$(date +%s)
  echo "$((now - start)) s: gpio $(tr '\n' ' ' <$W/gpio/sources.csv) kernel $(tr '\n' ' ' <$W/kernel/sources.csv)"
  for s in gpio kernel; do
    if [ ! -s $W/$s/selected-after-s ] && grep -q '^#,\*,PPS,' $W/$s/sources.csv; then echo "$((now - start))" >$W/$s/selected-after-s; fi
  done
  [ -s $W/gpio/selected-after-s ] && [ -s $W/kernel/selected-after-s ] && break
  [ $((now - start)) -ge "$MAX" ] && break
done
sleep 6
for s in gpio kernel; do
  sources $s
  chronyc -h /run/klab-$s/chronyd.sock -c sourcestats >$W/$s/sourcestats.csv 2>>$W/$s/chronyc.err
  chronyc -h /run/klab-$s/chronyd.sock -c tracking >$W/$s/tracking.csv 2>>$W/$s/chronyc.err
done
node $G/await-status.mjs $W/gpio/s1d.yaml $W/gpio/status.json settled 60 &
node $G/await-status.mjs $W/kernel/s1d.yaml $W/kernel/status.json settled 60
wait $!

# chronyd told to read pps-ktimer while the daemon monitors pps-gpio.
node bin/stratum1d.js config apply --json --config $W/kernel/s1d-ktimer.yaml >$W/kernel/apply-ktimer.json 2>$W/kernel/apply-ktimer.err
echo "config apply (ktimer) exit $?"
cp /run/klab-kernel/stratum1d.conf $W/kernel/stratum1d-ktimer.conf
node $G/await-status.mjs $W/kernel/s1d.yaml $W/kernel/status-ktimer.json pps-device-mismatch 90
sources kernel -ktimer

# The chip as the daemon left it: stop the daemons (SIGTERM; SIGKILL after 30 s).
for pid in $gpio_pid $kernel_pid; do
  kill "$pid"
  (sleep 30; kill -9 "$pid" 2>/dev/null) &
  wait "$pid"
done
node -e 'console.log(Date.now())' >$W/kernel/stopped-at
node $G/ds3231-read.mjs
kill $(jobs -p) 2>/dev/null
kill "$(cat /run/klab-kernel/chronyd.pid 2>/dev/null)" 2>/dev/null
sleep 1
exit 0
