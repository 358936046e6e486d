import type { BatchItem } from '../../fleet-wire/schema.js';
import type { IngestOutcome } from './fleet-store.js';

/** One ingest() call as it waits in a group commit (both stores gather them the same way). */
export interface IngestJob {
  device: string;
  items: BatchItem[];
  receivedAt: number;
  software: string | null;
}

/** 'ahead': the batch starts past the mark, nothing stored; the appliance resends from ackedSeq. */
export type Ahead = { ahead: true; ackedSeq: number };

export type IngestResult = IngestOutcome | Ahead;
