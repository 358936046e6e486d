import { ackSchema, INGEST_PATH, wireErrorSchema } from '../../fleet-wire/schema.js';
import type { Poster } from './http-post.js';

/**
 * Asks the collector for an appliance's high-water mark with an empty batch (valid on the
 * wire: no records, no gaps, nothing stored, an Ack with the current ackedSeq). A simulator
 * started again with the same tokens then numbers on from there instead of sending records
 * the collector would count as duplicates. Retries transport failures (a collector still
 * starting) until `deadline`. lastSeq 0: an empty batch goes beyond nothing, and the simulator
 * does not know its numbering yet (that is what it asks).
 */
export async function probeAckedSeq(poster: Poster, token: string, deadline: number, software: string): Promise<number> {
  const body = JSON.stringify({ v: 1, sentAt: Date.now(), software, lastSeq: 0, records: [], gaps: [] });
  let wait = 200;
  for (;;) {
    const r = await poster.post(INGEST_PATH, token, body, 10_000);
    if (r.ok) {
      const ack = ackSchema.safeParse(r.body);
      if (r.status === 200 && ack.success) return ack.data.ackedSeq;
      const err = wireErrorSchema.safeParse(r.body);
      if (r.status !== 503 && r.status !== 429) throw new Error(`the collector answered ${r.status}${err.success ? ` ${err.data.code}: ${err.data.error}` : ''}`);
    }
    if (Date.now() + wait > deadline) throw new Error(`the collector did not answer: ${r.ok ? `HTTP ${r.status}` : r.error}`);
    await new Promise((res) => setTimeout(res, wait));
    wait = Math.min(5000, wait * 2);
  }
}
