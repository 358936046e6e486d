// Configuration the nspawn system test writes into the container.

/** Test-only drop-ins, put in place before the install so the package's own start uses them. */
export const CHRONY_NO_CLOCK = `# systemtest: never the host's clock. nspawn gives no CAP_SYS_TIME, so the stock unit's
# condition would skip chrony altogether; -x makes chronyd leave the clock alone.
[Unit]
ConditionCapability=
[Service]
ExecStart=
ExecStart=!/usr/sbin/chronyd $DAEMON_OPTS -x
`;
// The receiver in this test is a pseudo-terminal where a real one is ttyUSB/ttyAMA: the unit's
// DevicePolicy=closed allow-list has no pts, so add it, for this test only. The device path
// itself stays the package default (/dev/serial0, a symlink as udev makes on a Pi): the
// receiver "appears" there and nothing in the service's configuration changes.
export const STRATUM1D_PTY = `# systemtest: the simulated receiver is a pty
[Service]
DeviceAllow=char-pts rw
`;

/** The operator's edit (kept across upgrades, checked below): serve the LAN. */
export const EDITED_CONFIG = `# edited by the system test: serve the LAN
timekeeper:
  chrony:
    allow:
      - 192.168.0.0/16
`;
/**
 * Passes chronyd -p, but chronyd exits at start: it cannot bind the refclock socket in a
 * directory that does not exist ("Fatal error : Could not open socket").
 */
export const START_FAILING_CONFIG = `${EDITED_CONFIG}    sockPath: /run/stratum1d-chrony/absent/nmea.sock
`;
