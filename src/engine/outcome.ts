/**
 * What the handler decided. The handler decides, the transport acts: each broker adapter turns
 * an outcome into ack, retry or dead-letter through `dispositionOf`, and nowhere else.
 */
export type Outcome =
  | { kind: 'exported'; fileName: string; recordCount: number; sequence: number; resumed: boolean }
  | { kind: 'already-exported'; fileName: string | null; recordCount: number }
  | { kind: 'nothing-to-export' }
  /** A lost race on the Counter (or a transaction write conflict): replaying the command resolves it. */
  | { kind: 'conflict'; reason: string }
  /** The store could not be reached: replaying later resolves it. */
  | { kind: 'unavailable'; reason: string }
  /** The command itself is wrong: replaying it can never succeed. */
  | { kind: 'invalid'; reason: string }
  /** The outbox refused the file (`code`: EROFS, ENOSPC, ...): retried when the errno may clear by itself. */
  | { kind: 'outbox-failed'; reason: string; code: string; retryable: boolean };

export type Disposition = 'ack' | 'retry' | 'dead-letter';

export function dispositionOf(outcome: Outcome): Disposition {
  switch (outcome.kind) {
    case 'exported':
    case 'already-exported':
    case 'nothing-to-export':
      return 'ack';
    case 'conflict':
    case 'unavailable':
      return 'retry';
    case 'invalid':
      return 'dead-letter';
    case 'outbox-failed':
      return outcome.retryable ? 'retry' : 'dead-letter';
  }
}

export function isRetryable(outcome: Outcome): boolean {
  return dispositionOf(outcome) === 'retry';
}

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'exported':
      return `exported ${outcome.recordCount} record(s) to ${outcome.fileName}${outcome.resumed ? ' (resumed)' : ''}`;
    case 'already-exported':
      return `already exported${outcome.fileName ? ` to ${outcome.fileName}` : ''} (${outcome.recordCount} record(s))`;
    case 'nothing-to-export':
      return 'nothing to export';
    default:
      return `${outcome.kind}: ${outcome.reason}`;
  }
}
