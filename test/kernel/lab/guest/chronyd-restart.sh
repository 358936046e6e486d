#!/bin/sh
# The kernel-lab daemon's timekeeper.chrony.restartCommand, what `systemctl restart chrony` is
# on a Pi: stops the chronyd of DIR/chronyd.pid if one runs, starts `chronyd -x` on
# DIR/chrony.conf (-x: the guest's clock is only measured, never set), logging to LOG. chronyd
# forks once it has read its configuration; `config apply` then waits for it to answer.
# Usage: chronyd-restart.sh DIR LOG
dir=$1
log=$2
if [ -f "$dir/chronyd.pid" ]; then
  pid=$(cat "$dir/chronyd.pid")
  kill "$pid" 2>/dev/null
  # chronyd removes its pidfile as it exits.
  i=0
  while [ -f "$dir/chronyd.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
fi
echo "--- chronyd-restart.sh at $(date -u +%FT%TZ)" >>"$log"
exec chronyd -x -u root -l "$log" -f "$dir/chrony.conf" </dev/null >>"$log" 2>&1
