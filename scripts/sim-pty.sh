#!/usr/bin/env bash
# A GNSS receiver without hardware: a socat pseudo-terminal pair, with the simulator
# (`stratum1d simulate`) writing NMEA into one end. Point the daemon at the other end
# (the path printed on stdout) as if it were /dev/ttyACM0.
#
# usage: scripts/sim-pty.sh [--gnss-link PATH] [--sim-link PATH] [simulate options...]
#   --gnss-link PATH  the daemon's side (default $XDG_RUNTIME_DIR/stratum1d-gnss, or /tmp/...)
#   --sim-link PATH   the simulator's side (default .../stratum1d-sim)
#   anything else is passed to `stratum1d simulate` (--rate, --latency, --replay FILE, ...)
# env: STRATUM1D_SIMULATE  command to run instead of `node bin/stratum1d.js simulate`
#
# Runs until interrupted (or until the simulator stops, e.g. --duration); then socat is
# stopped and both links are removed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base=${XDG_RUNTIME_DIR:-/tmp}
gnss_link=$base/stratum1d-gnss
sim_link=$base/stratum1d-sim

say() { echo "sim-pty.sh: $*" >&2; }

while [ $# -gt 0 ]; do
  case $1 in
    --gnss-link) gnss_link=${2:?--gnss-link needs a path}; shift 2 ;;
    --gnss-link=*) gnss_link=${1#*=}; shift ;;
    --sim-link) sim_link=${2:?--sim-link needs a path}; shift 2 ;;
    --sim-link=*) sim_link=${1#*=}; shift ;;
    -h | --help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) break ;;
  esac
done

if [ -n "${STRATUM1D_SIMULATE:-}" ]; then
  read -r -a simulate <<<"$STRATUM1D_SIMULATE"
else
  simulate=(node "$root/bin/stratum1d.js" simulate)
fi

command -v socat >/dev/null || { say "socat not found (apt install socat)"; exit 69; }

# A link left behind by a killed run points nowhere: remove it. A live one belongs to
# another instance, which we must not take over.
for link in "$gnss_link" "$sim_link"; do
  if [ -L "$link" ] && [ ! -e "$link" ]; then
    rm -f "$link"
  elif [ -e "$link" ] || [ -L "$link" ]; then
    say "$link already exists (another sim-pty.sh running?)"
    exit 73
  fi
done

socat_pid=''
sim_pid=''
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$sim_pid" ]; then kill -TERM "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  if [ -n "$socat_pid" ]; then kill -TERM "$socat_pid" 2>/dev/null || true; wait "$socat_pid" 2>/dev/null || true; fi
  rm -f "$gnss_link" "$sim_link" # socat removes them itself unless it was killed hard
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

socat -d -d "pty,raw,echo=0,link=$gnss_link" "pty,raw,echo=0,link=$sim_link" 2> >(sed 's/^/socat: /' >&2) &
socat_pid=$!

for _ in $(seq 100); do
  [ -e "$gnss_link" ] && [ -e "$sim_link" ] && break
  kill -0 "$socat_pid" 2>/dev/null || { socat_pid=''; say "socat failed to start"; exit 71; }
  sleep 0.05
done
[ -e "$gnss_link" ] && [ -e "$sim_link" ] || { say "socat did not create $gnss_link and $sim_link"; exit 71; }

echo "$gnss_link"
say "GNSS receiver at $gnss_link: point the daemon's GNSS device there (stratum1d run --config ...)"

"${simulate[@]}" --to "$sim_link" "$@" &
sim_pid=$!
status=0
wait "$sim_pid" || status=$?
sim_pid=''
exit "$status"
