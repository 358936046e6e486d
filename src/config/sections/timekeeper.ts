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
        device: z.string().default('/dev/pps0').describe('Kernel PPS device (with `kind: kernel`).'),
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
      })
      .prefault({})
      .describe('Self-calibration of the NMEA time label\'s delay after the PPS edge.'),
  })
  .prefault({})
  .describe('The timekeeper (chrony or ntpsec).');
