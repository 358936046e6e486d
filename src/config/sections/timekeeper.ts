import { z } from 'zod';

/**
 * chrony / ntpsec: what the daemon renders, feeds and watches. Owned by the timekeeper room;
 * every key documented here lands in the README's reference.
 */
export const timekeeperSchema = z
  .strictObject({
    kind: z
      .enum(['chrony', 'ntpsec', 'none'])
      .default('chrony')
      .describe('Which timekeeper the daemon configures and feeds. `none`: decode and report only.'),
    statusIntervalS: z
      .number()
      .min(1)
      .max(3600)
      .default(10)
      .describe('Seconds between status queries of the timekeeper (`chronyc -c` or `ntpq`), whose answers feed the status and its explanations.'),
    chrony: z
      .strictObject({
        includeFile: z
          .string()
          .default('/etc/chrony/conf.d/stratum1d.conf')
          .describe('The chrony include file the daemon renders and `config apply` writes (the operator\'s chrony.conf is never touched).'),
        mainConfig: z
          .string()
          .default('/etc/chrony/chrony.conf')
          .describe('chronyd\'s main configuration, used to validate the include with `chronyd -p` before writing it.'),
        sockPath: z
          .string()
          .default('/run/stratum1d-chrony/nmea.sock')
          .describe(
            'Unix datagram socket of the NMEA `refclock SOCK` (chronyd creates it; we send samples). The package keeps it in `/run/stratum1d-chrony/` (root:stratum1d 0750), where a chrony drop-in gives the sockets to group stratum1d after each chronyd start: chronyd creates them root-only, and `/run/chrony` is closed to other users.',
          ),
        ppsSockPath: z
          .string()
          .default('/run/stratum1d-chrony/pps.sock')
          .describe('Unix datagram socket of the PPS `refclock SOCK`, used when the daemon timestamps GPIO edges itself.'),
        sockLayout: z
          .enum(['auto', 'time32', 'time64'])
          .default('auto')
          .describe(
            "Width of `struct timeval` in the SOCK samples, which must match chronyd's build on 32-bit ARM: `time32` (Debian 12 and older, chrony 4.3), `time64` (Debian 13 trixie and later, 64-bit time_t). `auto`: from the distribution (/etc/os-release). 64-bit systems always use their native layout.",
          ),
        commandSocket: z
          .string()
          .default('127.0.0.1:323')
          .describe(
            "How chronyc reaches chronyd for status: `host[:port]` (chronyd's UDP command port, which answers monitoring commands from localhost: works for the unprivileged service user) or the unix command socket path (root or _chrony only).",
          ),
        restartCommand: z
          .array(z.string().min(1))
          .min(1)
          .default(['systemctl', 'restart', 'chrony'])
          .describe('How `config apply` restarts chronyd after writing the include.'),
        chronydPath: z.string().min(1).default('chronyd').describe('chronyd binary `config apply` validates with (`chronyd -p`).'),
        chronycPath: z.string().min(1).default('chronyc').describe('chronyc binary used to check that chronyd came up after a restart.'),
        upTimeoutS: z
          .number()
          .min(1)
          .max(300)
          .default(15)
          .describe('How long `config apply` waits for chronyd to answer `tracking` after a restart before rolling back.'),
        allow: z.array(z.string().min(1)).default([]).describe('`allow` directives: networks that may query this server (e.g. `192.168.0.0/16`).'),
        deny: z.array(z.string().min(1)).default([]).describe('`deny` directives.'),
        leapSecondSource: z
          .enum(['leapseclist', 'leapsectz'])
          .default('leapsectz')
          .describe('`leapseclist` (a leap-seconds.list file) or `leapsectz right/UTC` (the tz database).'),
        leapSecondsFile: z.string().default('/usr/share/zoneinfo/leap-seconds.list').describe('File for `leapseclist`.'),
        makestep: z
          .strictObject({
            threshold: z.number().positive().default(1).describe('Step the clock when off by more than this many seconds ...'),
            limit: z.number().int().default(3).describe('... during the first this many updates (-1: always).'),
          })
          .prefault({})
          .describe('chrony `makestep`.'),
        lockAll: z.boolean().default(true).describe('`lock_all`: keep chronyd in RAM (no page-fault jitter).'),
        hwtimestamp: z.array(z.string().min(1)).default([]).describe('Interfaces for `hwtimestamp` (NIC hardware timestamping), e.g. `eth0` or `*`.'),
      })
      .prefault({})
      .describe('chrony settings.'),
    ntpsec: z
      .strictObject({
        fragmentFile: z
          .string()
          .default('/etc/ntpsec/ntp.d/stratum1d.conf')
          .describe('The ntp.conf fragment the daemon renders.'),
        driver: z
          .enum(['shm', 'gpsd'])
          .default('shm')
          .describe('`shm`: NTP shared memory (works with Debian\'s ntpd); `gpsd`: the gpsd JSON refclock, for ntpd builds that have it.'),
        shmUnit: z.number().int().min(0).max(255).default(2).describe('SHM unit for the NMEA time (units 0-1 are root-only, 0600).'),
        shmMode: z
          .enum(['0600', '0660'])
          .default('0600')
          .describe(
            "Permissions of the SHM segment when stratum1d creates it (never 0666: any local user could feed ntpd time). `0600`: the stratum1d user only; ntpd attaches as root before it drops privileges, so Debian's ntpsec reads it. `0660`: also group stratum1d (the daemon's primary group), for an ntpd that attaches after dropping root: add its user to that group (`usermod -aG stratum1d ntpsec`). A segment ntpd created first keeps ntpd's mode (reported when world-writable).",
          ),
        shmLayout: z
          .enum(['auto', 'time32', 'time64'])
          .default('auto')
          .describe(
            "`struct shmTime` layout, which must match ntpd's time_t on 32-bit ARM: `time32` (80 bytes, Debian 12 and older), `time64` (96 bytes, Debian 13 trixie and later). `auto`: the size of an existing segment, else the distribution's time_t (/etc/os-release), whichever starts first. 64-bit systems always use their native layout.",
          ),
        ntpdPath: z.string().min(1).default('ntpd').describe('ntpd binary; `config apply` checks the fragment\'s refclock drivers against the ones it was built with.'),
        restartCommand: z
          .array(z.string().min(1))
          .min(1)
          .default(['systemctl', 'restart', 'ntpsec'])
          .describe('How `config apply` restarts ntpd after writing the fragment.'),
        ntpqCommand: z
          .array(z.string().min(1))
          .min(1)
          .default(['ntpq'])
          .describe('How to run ntpq; `config apply` runs it with `-c rv` to check that ntpd came up.'),
        upTimeoutS: z
          .number()
          .min(1)
          .max(300)
          .default(15)
          .describe('How long `config apply` waits for ntpd to answer before rolling back.'),
      })
      .prefault({})
      .describe('ntpsec settings.'),
    pps: z
      .strictObject({
        kind: z
          .enum(['kernel', 'gpio', 'none'])
          .default('kernel')
          .describe('`kernel`: chronyd reads /dev/ppsN itself; `gpio`: the daemon timestamps GPIO edges and feeds them over SOCK; `none`.'),
        device: z
          .string()
          .min(1)
          .default('auto')
          .describe(
            'Kernel PPS device chronyd (or ntpd) reads (with `kind: kernel`): `auto` renders the source `pps.kernel.device` resolves to, the one stratum1d monitors (the udev name `/dev/pps-gpio` when it points there, else its `/dev/ppsN`); an explicit path is written as given, and stratum1d raises `pps-device-mismatch` if it is not the monitored source.',
          ),
      })
      .prefault({})
      .describe('The PPS refclock.'),
    nmeaOffset: z
      .strictObject({
        initialS: z
          .number()
          .min(-1)
          .max(1)
          .default(0)
          .describe('NMEA label delay to assume until calibration has a measurement, seconds.'),
        windowSize: z.number().int().min(8).max(4096).default(128).describe('Samples in the calibration window.'),
        minSamples: z.number().int().min(4).max(4096).default(32).describe('Samples needed before the calibrated value is used.'),
        labelNames: z
          .enum(['auto', 'previous-pulse', 'next-pulse'])
          .default('auto')
          .describe(
            'Which PPS pulse the receiver\'s time label names, as its documentation says: previous-pulse (most receivers: the label follows its pulse) or next-pulse (the label is sent before the pulse it names). auto: a synchronised reference (chrony on another source) decides; without one, labels arriving in the second half of the second are ambiguous by a whole second, so they are neither calibrated on nor sent, and an alarm says so.',
          ),
        allowLateLabel: z
          .boolean()
          .default(false)
          .describe(
            'Accept a label delay in the second half of the second (0.5 s or more after the pulse it names). Off: a calibration that lands there is refused with an alarm, since a whole-second mistake is one jitter away; on: a label arriving late in the second names the pulse before it.',
          ),
        maxArrivalErrorS: z
          .number()
          .min(0.01)
          .max(0.9)
          .default(0.2)
          .describe(
            'An epoch whose arrival disagrees with the recent arrivals (calibrated delay plus the system clock\'s error) by more than this, seconds, is dropped and counted instead of sent: its stamp was made late by a stall. Keep it under 0.5 (PPS locks to labels within 0.4 s).',
          ),
      })
      .prefault({})
      .describe('Self-calibration of the NMEA time label\'s delay after the PPS edge.'),
  })
  .prefault({})
  .describe('The timekeeper (chrony or ntpsec).');
