import { FILE_TYPES, type FileType } from '../domain/records.js';
import type { Store } from '../store/store.js';

export interface SequenceReport {
  type: FileType;
  /** The counter's value: every number up to it was handed out. */
  allocated: number;
  /** Sequence numbers that ended in a file. */
  used: number[];
  /** Handed out but in no file (a crash after allocation, a duplicate that lost, a batch left empty). */
  burnt: number[];
  /** Sequence numbers found in more than one file: must always be empty. */
  duplicated: number[];
}

/** Accounts for every sequence number the Counter handed out. */
export async function sequenceReport(store: Store): Promise<SequenceReport[]> {
  const batches = await store.listBatches();
  const reports: SequenceReport[] = [];
  for (const type of FILE_TYPES) {
    const allocated = (await store.readCounter(type)).value;
    const seen = new Map<number, number>();
    for (const batch of batches.filter((b) => b.type === type)) {
      if ((await store.findRecords({ batchKey: batch.key })).length === 0) continue;
      seen.set(batch.sequence, (seen.get(batch.sequence) ?? 0) + 1);
    }
    const used = [...seen.keys()].sort((a, b) => a - b);
    const burnt: number[] = [];
    for (let n = 1; n <= allocated; n++) if (!seen.has(n)) burnt.push(n);
    const duplicated = [...seen].filter(([, count]) => count > 1).map(([n]) => n);
    reports.push({ type, allocated, used, burnt, duplicated });
  }
  return reports;
}
