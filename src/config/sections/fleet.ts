import { z } from 'zod';
import { MAX_BATCH_ITEMS } from '../../fleet-wire/schema.js';

/** Reporting to a fleet collector (daemon/fleet): telemetry recorder, outbox, uploader. */
export const fleetSchema = z
  .strictObject({
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
      .nullable()
      .default(null)
      .describe(
        'Base URL of the fleet collector (e.g. `https://fleet.example.net:8470`); batches go to `<url>/api/v1/ingest`. `null`: fleet reporting off (nothing is recorded).',
      ),
    token: z
      .string()
      .min(1)
      .optional()
      .describe('Device token from `stratum1d collector add-device NAME`, sent as `Authorization: Bearer`. Never logged. Prefer `tokenFile`, or `STRATUM1D_FLEET__TOKEN` in `/etc/default/stratum1d`.'),
    tokenFile: z
      .string()
      .min(1)
      .optional()
      .describe('A file holding the device token (whitespace trimmed), readable by the service user (e.g. `/etc/stratum1d/fleet-token`, mode 0640 root:stratum1d). Re-read at every attempt, so a new token needs no restart.'),
    intervalS: z.number().int().min(1).max(3600).default(10).describe('Seconds per telemetry record (one record of aggregates per interval).'),
    batchMax: z
      .number()
      .int()
      .min(1)
      .max(MAX_BATCH_ITEMS)
      .default(500)
      .describe(`Most records (plus gap runs) in one upload batch; at most ${MAX_BATCH_ITEMS}, the collector's limit.`),
    maxRatePerS: z
      .number()
      .min(0.1)
      .max(100_000)
      .default(100)
      .describe('Records per second, at most, while a backlog is sent (after an outage), so a fleet coming back at once does not flood the collector.'),
    timeoutMs: z.number().int().min(500).max(300_000).default(15_000).describe('Each upload request is abandoned (and retried) after this long.'),
    ca: z
      .string()
      .optional()
      .describe('PEM file with the CA certificate(s) that sign the collector\'s certificate (a private CA), for an `https://` url. Default: the system\'s CAs.'),
    retention: z
      .strictObject({
        days: z.number().min(0.01).max(3650).default(30).describe('Records not acknowledged after this many days (by the appliance clock) are dropped and reported to the collector as a gap (`retention-age`).'),
        maxMB: z.number().min(1).max(65_536).default(64).describe('Records not acknowledged beyond this many MiB of outbox are dropped, oldest first, and reported as a gap (`retention-size`).'),
      })
      .prefault({})
      .describe('How much unacknowledged telemetry the outbox (`<state dir>/fleet-outbox.db`) keeps while the collector is unreachable.'),
    backoff: z
      .strictObject({
        initialMs: z.number().int().min(10).max(600_000).default(1000).describe('First retry delay after a failed upload.'),
        maxMs: z.number().int().min(100).max(3_600_000).default(300_000).describe('Longest retry delay (exponential backoff with full jitter); also the pace of retries while the collector refuses the token.'),
      })
      .prefault({})
      .describe('Retry delays after a failed upload.'),
  })
  .refine((f) => !(f.token && f.tokenFile), { message: 'set token or tokenFile, not both', path: ['tokenFile'] })
  .refine((f) => f.url === null || f.token !== undefined || f.tokenFile !== undefined, { message: 'fleet.url needs a token or tokenFile', path: ['token'] })
  .refine((f) => f.backoff.maxMs >= f.backoff.initialMs, { message: 'must be >= backoff.initialMs', path: ['backoff', 'maxMs'] })
  .prefault({})
  .describe('Reporting to a fleet collector (`stratum1d collector`): telemetry every `intervalS` into an outbox in the state directory, uploaded in batches that the collector acknowledges; nothing acknowledged is ever lost, and what retention drops is reported as a gap.');

export type FleetConfig = z.infer<typeof fleetSchema>;
