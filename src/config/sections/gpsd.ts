import { z } from 'zod';

/** The gpsd-compatible JSON server (daemon/exports). */
export const gpsdSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve gpsd\'s JSON protocol to gpsd clients (gpspipe, cgps, ntpd\'s gpsd refclock).'),
    listen: z.string().default('127.0.0.1').describe('Address to bind; loopback by default.'),
    port: z.number().int().min(0).max(65535).default(2947).describe('TCP port (gpsd\'s is 2947; 0 picks a free one).'),
    maxClients: z.number().int().min(1).max(1024).default(32).describe('Concurrent clients; more are refused.'),
    idleTimeoutS: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(180)
      .describe('Close a client that watches nothing and has sent no request for this long (gpsd does the same after 180 s), so idle connections cannot hold every slot. 0: never.'),
    clientBufferBytes: z
      .number()
      .int()
      .min(10_240)
      .max(16 * 1024 * 1024)
      .default(262_144)
      .describe('Output buffered per client; a slower client loses reports (counted) rather than blocking others.'),
  })
  .prefault({})
  .describe('gpsd-compatible JSON server.');
