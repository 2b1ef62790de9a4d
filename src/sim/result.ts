import type { OfficeCode } from '../domain/offices.js';
import type { StopReason } from './scheduler.js';

export type EventKind =
  | 'publish'
  | 'blocked'
  | 'duplicate'
  | 'deliver'
  | 'conflict'
  | 'unavailable'
  | 'exported'
  | 'already-exported'
  | 'nothing-to-export'
  | 'invalid'
  | 'outbox-failed'
  | 'crash'
  | 'ack'
  | 'requeue'
  | 'retry'
  | 'dead-letter'
  | 'dropped'
  | 'deleted-on-failure'
  | 'expired'
  | 'replay'
  | 'fault'
  | 'consumer-lost'
  | 'consumer-back'
  /** An invariant first broke here (inserted after the run, at the instant it broke). */
  | 'violation';

/** One line of the timeline. `t` is virtual milliseconds since the scenario's start. */
export interface TimelineEvent {
  t: number;
  kind: EventKind;
  office: OfficeCode | null;
  messageId: string | null;
  delivery: number | null;
  detail: string;
}

/** The outcome table: one row per office. */
export interface OfficeRow {
  office: OfficeCode;
  commands: number;
  attempts: number;
  conflicts: number;
  redeliveries: number;
  deadLetters: number;
  lost: number;
  files: string[];
  exported: number;
  stuck: number;
}

export interface StuckRecord {
  id: string;
  office: OfficeCode;
  startDate: string;
  reason: string;
}

export type ViolationKind =
  | 'command-vanished'
  | 'record-in-two-files'
  | 'record-not-in-its-file'
  | 'record-lost'
  | 'sequence-reused'
  | 'not-settled';

export interface Violation {
  kind: ViolationKind;
  detail: string;
  /**
   * Virtual ms since the start at which it first held, and the event that broke it (the second file
   * written, the last fate of a vanished command, the last acknowledgement…); null when no instant
   * is known (a live run).
   */
  t: number | null;
  event: string | null;
  /** The office it concerns, for the timeline lane (null: the whole run). */
  office: OfficeCode | null;
}

export interface CommandSummary {
  commandId: string;
  office: OfficeCode;
  batchKey: string;
  /** How the command ended: acked, dead-lettered, lost (and how), or still in flight. */
  fate: 'acked' | 'dead-lettered' | 'lost' | 'in-flight';
  detail: string;
  /** Deliveries of all its messages together. */
  deliveries: number;
  /** Handler runs for it (a Spring listener retry runs the handler again within one delivery). */
  attempts: number;
}

export interface RunResult {
  scenario: string;
  seed: number;
  /** The one command that replays this run. */
  replay: string;
  stop: StopReason;
  startedAt: string;
  endedAt: string;
  events: TimelineEvent[];
  offices: OfficeRow[];
  commands: CommandSummary[];
  files: string[];
  stuck: StuckRecord[];
  violations: Violation[];
  /** The earliest of them: what a failing seed broke first. */
  firstViolation: Violation | null;
  expectation: { met: boolean; mismatches: string[] };
  /** Settings a reader may not expect (a zero visibility timeout or TTL): every report prints them. */
  warnings: string[];
  stats: { eventsRun: number; storeOperations: number; virtualMs: number; maxDeliveries: number };
}

/** A run fails when a record is stuck or an invariant is violated. */
export function runFailed(result: RunResult): boolean {
  return result.stuck.length > 0 || result.violations.length > 0;
}
