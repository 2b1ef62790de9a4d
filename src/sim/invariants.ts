import { batchKeyOf } from '../domain/command.js';
import { readRecordIds } from '../domain/esr-file.js';
import { parseFileName } from '../domain/file-name.js';
import type { OfficeCode } from '../domain/offices.js';
import type { ExportRecord, FileType } from '../domain/records.js';
import { exportWindow } from '../domain/window.js';
import type { Fate, SimMessage } from './models/broker.js';
import type { CommandSummary, StuckRecord, Violation } from './result.js';

/** One command as published, and every message that carried it (duplicates, replays). */
export interface CommandRecord {
  commandId: string;
  office: OfficeCode;
  type: FileType;
  runDate: string;
  messages: { message: SimMessage; fate: Fate | null; detail: string; deliveries: number; attempts: number; fateAt?: number }[];
}

export interface FinalState {
  /** The records as they were when the run started. */
  initial: readonly ExportRecord[];
  /** The records as the store holds them at the end. */
  final: readonly ExportRecord[];
  files: ReadonlyMap<string, string>;
  commands: readonly CommandRecord[];
  /** Messages the broker still holds (in queues, in flight, waiting to retry). */
  unsettled: number;
  stoppedBy: 'drained' | 'horizon' | 'event-limit';
  /** Instants, in virtual ms since the start, for naming when each violation first held (the simulator's runs). */
  timing?: { startMs: number; endT: number; fileWrittenAt: ReadonlyMap<string, number> };
}

export function summariseCommand(command: CommandRecord): CommandSummary {
  // One pass, no copies: a sweep summarises every command of every seed.
  let deliveries = 0;
  let attempts = 0;
  let acked: CommandRecord['messages'][number] | undefined;
  let dead: CommandRecord['messages'][number] | undefined;
  let unsettled = false;
  for (const m of command.messages) {
    deliveries += m.deliveries;
    attempts += m.attempts;
    if (m.fate === 'acked') acked ??= m;
    else if (m.fate === 'dead-lettered') dead ??= m;
    else if (m.fate === null) unsettled = true;
  }
  const batchKey = batchKeyOf({ type: command.type, localOffice: command.office, runDate: command.runDate });
  const summary = (fate: CommandSummary['fate'], detail: string): CommandSummary => ({
    commandId: command.commandId,
    office: command.office,
    batchKey,
    deliveries,
    attempts,
    fate,
    detail,
  });
  if (acked) return summary('acked', acked.detail);
  if (dead) return summary('dead-lettered', `in the DLQ: ${dead.detail}`);
  if (unsettled) return summary('in-flight', 'still on the broker when the run stopped');
  const lost = command.messages.find((m) => m.fate !== 'replayed') ?? command.messages[0]!;
  return summary('lost', `${lost.fate}: ${lost.detail}`);
}

/**
 * Which names each key was seen with (the files a record is in, the files a sequence number
 * names), a list kept only for keys seen more than once: a sweep checks tens of thousands of runs,
 * nearly all without a repeat.
 */
class Occurrences {
  private readonly first = new Map<string, string>();
  private readonly all = new Map<string, string[]>();

  add(key: string, name: string): void {
    const first = this.first.get(key);
    if (first === undefined) this.first.set(key, name);
    else if (this.all.has(key)) this.all.get(key)!.push(name);
    else this.all.set(key, [first, name]);
  }

  has(key: string, name: string): boolean {
    return this.first.get(key) === name || (this.all.get(key)?.includes(name) ?? false);
  }

  /** Keys seen more than once with their names, in the order the keys were first seen. */
  repeated(): [string, string[]][] {
    if (this.all.size === 0) return [];
    return [...this.first.keys()].filter((key) => this.all.has(key)).map((key) => [key, this.all.get(key)!]);
  }
}

/** The latest of the instants given, or null when one of them (or the run's timing) is unknown. */
function latest(timing: FinalState['timing'], instants: readonly (number | null | undefined)[]): number | null {
  if (!timing) return null;
  let max = -Infinity;
  for (const t of instants) {
    if (typeof t !== 'number') return null;
    if (t > max) max = t;
  }
  return max;
}

/**
 * The invariants every run must keep: every record eligible at command time is exported in exactly
 * one file or reported stuck with why; no record in two files; no sequence number twice; every
 * command acknowledged or dead-lettered. Each violation is dated by the event that first broke it,
 * from the instants the run recorded (file writes, fates, markExported), so a failing seed names
 * where to look in its timeline.
 */
export function checkInvariants(state: FinalState): { violations: Violation[]; stuck: StuckRecord[]; commands: CommandSummary[] } {
  const violations: Violation[] = [];
  const commands = state.commands.map(summariseCommand);
  const timing = state.timing;

  state.commands.forEach((record, i) => {
    const command = commands[i]!;
    if (command.fate !== 'lost') return;
    violations.push({
      kind: 'command-vanished',
      detail: `${command.commandId} (${command.batchKey}) vanished: ${command.detail}`,
      t: latest(timing, record.messages.map((m) => m.fateAt)),
      event: `the last message of ${command.commandId} was ${command.detail.split(':', 1)[0]}`,
      office: command.office,
    });
  });
  if (state.unsettled > 0 || state.stoppedBy === 'event-limit') {
    violations.push({
      kind: 'not-settled',
      detail: `${state.unsettled} message(s) still on the broker when the run stopped (${state.stoppedBy})`,
      t: timing?.endT ?? null,
      event: `the run stopped (${state.stoppedBy})`,
      office: null,
    });
  }

  const filesOfRecord = new Occurrences();
  const filesOfSequence = new Occurrences();
  for (const [name, content] of state.files) {
    const parts = parseFileName(name);
    if (parts) filesOfSequence.add(`${parts.type}:${parts.sequence}`, name);
    for (const id of readRecordIds(content, name)) filesOfRecord.add(id, name);
  }
  /** The second of these files to be written: the event that broke the invariant. */
  const second = (names: string[]) => {
    const written = (name: string) => timing?.fileWrittenAt.get(name) ?? null;
    const dated = names.map((name) => ({ name, t: written(name) })).sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
    const broke = dated[1]!;
    return { t: broke.t, event: `${broke.name} written`, office: (parseFileName(broke.name)?.office ?? null) as OfficeCode | null };
  };
  for (const [key, names] of filesOfSequence.repeated()) {
    violations.push({ kind: 'sequence-reused', detail: `sequence ${key} used by ${names.join(', ')}`, ...second(names) });
  }
  for (const [id, names] of filesOfRecord.repeated()) {
    violations.push({ kind: 'record-in-two-files', detail: `${id} is in ${names.join(', ')}`, ...second(names) });
  }

  const finalById = new Map<string, ExportRecord>();
  for (const record of state.final) finalById.set(record.id, record);
  // Each office's commands with their windows (one per run date): a sweep checks this tens of thousands of times.
  const windowOf = new Map<string, ReturnType<typeof exportWindow>>();
  const commandsOf = new Map<OfficeCode, { record: CommandRecord; summary: CommandSummary; from: string; to: string }[]>();
  state.commands.forEach((record, i) => {
    let window = windowOf.get(record.runDate);
    if (!window) windowOf.set(record.runDate, (window = exportWindow(record.runDate)));
    let list = commandsOf.get(record.office);
    if (!list) commandsOf.set(record.office, (list = []));
    list.push({ record, summary: commands[i]!, ...window });
  });
  const stuck: StuckRecord[] = [];
  for (const record of state.initial) {
    if (record.status !== 'TO_EXPORT') continue;
    const covering = (commandsOf.get(record.office) ?? []).filter(
      (c) => c.record.type === record.type && record.startDate >= c.from && record.startDate <= c.to,
    );
    if (covering.length === 0) continue;
    const now = finalById.get(record.id)!;
    if (now.status === 'EXPORTED') {
      if (!filesOfRecord.has(record.id, now.fileName ?? '')) {
        violations.push({
          kind: 'record-not-in-its-file',
          detail: `${record.id} is EXPORTED to ${now.fileName} but that file does not hold it`,
          t: timing && now.exportedAt !== null ? now.exportedAt - timing.startMs : null,
          event: `${record.id} marked EXPORTED`,
          office: record.office,
        });
      }
      continue;
    }
    if (covering.every((c) => c.summary.fate === 'acked')) {
      violations.push({
        kind: 'record-lost',
        detail: `${record.id} is still ${now.status} although every command for it was acknowledged`,
        t: latest(timing, covering.map((c) => c.record.messages.find((m) => m.fate === 'acked')?.fateAt)),
        event: `the last command for ${record.id} acknowledged`,
        office: record.office,
      });
    }
    stuck.push({
      id: record.id,
      office: record.office,
      startDate: record.startDate,
      reason: covering.map(({ summary }) => `${summary.commandId} ${summary.fate}: ${summary.detail}`).join('; '),
    });
  }
  return { violations, stuck, commands };
}
