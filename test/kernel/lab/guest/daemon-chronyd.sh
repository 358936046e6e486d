#!/bin/sh
# The whole daemon against real drivers and a real chronyd in the guest: NMEA from the
# simulator over a socat pty, PPS from a gpio-sim line (pulse-loop.mjs) read by the daemon
# through the GPIO character device and sent to chronyd as SOCK pulse samples, with the chrony
# include rendered by `stratum1d config render`. chronyd runs with -x (the guest's clock is
# never touched; it only measures). Results land in /tmp/work for the host to judge.
# Usage: daemon-chronyd.sh REPO MAX_WAIT_S
REPO=$1
MAX=${2:-150}
W=/tmp/work
cd "$REPO" || exit 90
ip link set lo up 2>/dev/null
bank=$(sh test/kernel/lab/guest/sim-bank.sh) || exit 91
chip=${bank% *}
pull=$(node -e "import('./test/kernel/lab/guest/common.mjs').then(m => console.log(m.pullFile(process.argv[1], 18)))" "$chip") || exit 92
echo "bank $bank pull $pull"
mkdir -p /run/klab-chrony /run/s1d /run/s1d-run /tmp/s1d-state
chmod 0750 /run/klab-chrony

socat pty,raw,echo=0,link=/run/gnss-rx pty,raw,echo=0,link=/run/gnss-tx 2>$W/socat.log &
i=0; while [ ! -e /run/gnss-tx ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
node bin/stratum1d.js simulate --to /run/gnss-tx 2>$W/simulator.log &

cat >$W/s1d.yaml <<YAML
gnss:
  device: /run/gnss-rx
rtc:
  model: none
gpsd:
  enabled: false
pps:
  gpio:
    chipLabels: [pinctrl-rp1]
timekeeper:
  kind: chrony
  statusIntervalS: 2
  chrony:
    sockPath: /run/s1d/nmea.sock
    ppsSockPath: /run/s1d/pps.sock
    commandSocket: /run/klab-chrony/chronyd.sock
  pps:
    kind: gpio
paths:
  runtimeDir: /run/s1d-run
  stateDir: /tmp/s1d-state
YAML
node bin/stratum1d.js config render --chrony --config $W/s1d.yaml >/run/klab-chrony/stratum1d.conf 2>$W/render.err
cp /run/klab-chrony/stratum1d.conf $W/stratum1d.conf
cat >/run/klab-chrony/chrony.conf <<CONF
include /run/klab-chrony/stratum1d.conf
driftfile /run/klab-chrony/drift
pidfile /run/klab-chrony/chronyd.pid
bindcmdaddress /run/klab-chrony/chronyd.sock
cmdport 0
CONF
chronyd -x -u root -d -f /run/klab-chrony/chrony.conf >$W/chronyd.log 2>&1 &
node test/kernel/lab/guest/pulse-loop.mjs "$pull" $((MAX + 30)) &
node bin/stratum1d.js run --config $W/s1d.yaml 2>$W/daemon.log &

start=$(date +%s)
while :; do
  sleep 3
  chronyc -h /run/klab-chrony/chronyd.sock -c sources >$W/sources.csv 2>$W/chronyc.err
  now=$(date +%s)
  echo "$((now - start)) s: $(tr '\n' ' ' <$W/sources.csv)"
  if grep -q '^#,\*,PPS,' $W/sources.csv; then sleep 6; break; fi
  [ $((now - start)) -ge "$MAX" ] && break
done
echo $(( $(date +%s) - start )) >$W/selected-after-s
chronyc -h /run/klab-chrony/chronyd.sock -c sources >$W/sources.csv 2>>$W/chronyc.err
chronyc -h /run/klab-chrony/chronyd.sock -c sourcestats >$W/sourcestats.csv 2>>$W/chronyc.err
chronyc -h /run/klab-chrony/chronyd.sock -c tracking >$W/tracking.csv 2>>$W/chronyc.err
sleep 2
node bin/stratum1d.js status --json --config $W/s1d.yaml >$W/status.json 2>$W/status.err
echo "status exit $?"
kill $(jobs -p) 2>/dev/null
sleep 1
exit 0
