#!/bin/sh
# Makes a gpio-sim bank labelled like a Raspberry Pi 5's header controller (RP1): lines
# GPIO0..GPIO53, through configfs (Documentation/admin-guide/gpio/gpio-sim.rst).
# Prints "<chip name> <platform device name>" of the new bank.
set -e
d=/sys/kernel/config/gpio-sim/rp1
mkdir "$d" "$d/gpio-bank0"
echo pinctrl-rp1 >"$d/gpio-bank0/label"
echo 54 >"$d/gpio-bank0/num_lines"
i=0
while [ $i -lt 54 ]; do
  mkdir "$d/gpio-bank0/line$i"
  echo "GPIO$i" >"$d/gpio-bank0/line$i/name"
  i=$((i + 1))
done
echo 1 >"$d/live"
echo "$(cat "$d/gpio-bank0/chip_name") $(cat "$d/dev_name")"
