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
 * The invariants every run must keep: every record eligible at command time is exported in exactly
 * one file or reported stuck with why; no record in two files; no sequence number twice; every
 * command acknowledged or dead-lettered. Each violation is dated by the event that first broke it,
 * from the instants the run recorded (file writes, fates, markExported), so a failing seed names
 * where to look in its timeline.
 */
export function checkInvariants(state: FinalState): { violations: Violation[]; stuck: StuckRecord[]; commands: CommandSummary[] } {
  const violations: Violation[] = [];
  const commands = state.commands.map(summariseCommand);
  const summaryOf = new Map(state.commands.map((c, i) => [c, commands[i]!]));
  const timing = state.timing;
  const written = (name: string) => timing?.fileWrittenAt.get(name) ?? null;
  const latest = (ts: (number | null | undefined)[]) => (timing && ts.every((t) => typeof t === 'number') ? Math.max(...(ts as number[])) : null);

  state.commands.forEach((record, i) => {
    const command = commands[i]!;
    if (command.fate !== 'lost') return;
    violations.push({
      kind: 'command-vanished',
      detail: `${command.commandId} (${command.batchKey}) vanished: ${command.detail}`,
      t: latest(record.messages.map((m) => m.fateAt)),
      event: `the last message of ${command.commandId} was ${command.detail.split(':')[0]}`,
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

  const filesOfRecord = new Map<string, string[]>();
  const sequences = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, name: string) => {
    const names = map.get(key);
    if (names) names.push(name);
    else map.set(key, [name]);
  };
  for (const [name, content] of state.files) {
    const parts = parseFileName(name);
    if (parts) add(sequences, `${parts.type}:${parts.sequence}`, name);
    for (const id of readRecordIds(content, name)) add(filesOfRecord, id, name);
  }
  /** The second of these files to be written: the event that broke the invariant. */
  const second = (names: string[]) => {
    const dated = names.map((name) => ({ name, t: written(name) })).sort((a, b) => (a.t ?? 0) - (b.t ?? 0));
    const broke = dated[1]!;
    return { t: broke.t, event: `${broke.name} written`, office: (parseFileName(broke.name)?.office ?? null) as OfficeCode | null };
  };
  for (const [key, names] of sequences) {
    if (names.length > 1) violations.push({ kind: 'sequence-reused', detail: `sequence ${key} used by ${names.join(', ')}`, ...second(names) });
  }
  for (const [id, names] of filesOfRecord) {
    if (names.length > 1) violations.push({ kind: 'record-in-two-files', detail: `${id} is in ${names.join(', ')}`, ...second(names) });
  }

  const finalById = new Map<string, ExportRecord>();
  for (const record of state.final) finalById.set(record.id, record);
  // Windows by run date and commands by office and type: a sweep checks this tens of thousands of times.
  const windowOf = new Map<string, ReturnType<typeof exportWindow>>();
  const commandsOf = new Map<string, { command: CommandRecord; from: string; to: string }[]>();
  for (const command of state.commands) {
    let window = windowOf.get(command.runDate);
    if (!window) windowOf.set(command.runDate, (window = exportWindow(command.runDate)));
    const key = `${command.office}:${command.type}`;
    let list = commandsOf.get(key);
    if (!list) commandsOf.set(key, (list = []));
    list.push({ command, ...window });
  }
  const stuck: StuckRecord[] = [];
  for (const record of state.initial) {
    if (record.status !== 'TO_EXPORT') continue;
    const covering: CommandRecord[] = [];
    for (const w of commandsOf.get(`${record.office}:${record.type}`) ?? []) {
      if (record.startDate >= w.from && record.startDate <= w.to) covering.push(w.command);
    }
    if (covering.length === 0) continue;
    const now = finalById.get(record.id)!;
    const files = filesOfRecord.get(record.id) ?? [];
    if (now.status === 'EXPORTED') {
      if (!files.includes(now.fileName ?? '')) {
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
    const fates = covering.map((c) => summaryOf.get(c)!);
    if (fates.every((f) => f.fate === 'acked')) {
      const acks = covering.map((c) => c.messages.find((m) => m.fate === 'acked')?.fateAt);
      violations.push({
        kind: 'record-lost',
        detail: `${record.id} is still ${now.status} although every command for it was acknowledged`,
        t: latest(acks),
        event: `the last command for ${record.id} acknowledged`,
        office: record.office,
      });
    }
    stuck.push({
      id: record.id,
      office: record.office,
      startDate: record.startDate,
      reason: fates.map((f) => `${f.commandId} ${f.fate}: ${f.detail}`).join('; '),
    });
  }
  return { violations, stuck, commands };
}
