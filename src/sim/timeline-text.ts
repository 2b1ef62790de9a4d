import type { OfficeRow, RunResult, StuckRecord, TimelineEvent, Violation } from './result.js';

/** `2021-07-31 14:00:00.012`: virtual time as people read it. */
export function instantOf(startIso: string, t: number): string {
  return new Date(Date.parse(startIso) + t).toISOString().replace('T', ' ').slice(0, 23);
}

export function timelineLines(result: RunResult): string[] {
  return result.events.map((e: TimelineEvent) =>
    [
      instantOf(result.startedAt, e.t),
      (e.office ?? '---').padEnd(3),
      e.kind.padEnd(17),
      (e.messageId ?? '').padEnd(8),
      e.detail,
    ].join('  '),
  );
}

const COLUMNS: [string, (r: OfficeRow) => string | number][] = [
  ['office', (r) => r.office],
  ['commands', (r) => r.commands],
  ['attempts', (r) => r.attempts],
  ['conflicts', (r) => r.conflicts],
  ['redeliveries', (r) => r.redeliveries],
  ['dead-letters', (r) => r.deadLetters],
  ['lost', (r) => r.lost],
  ['exported', (r) => r.exported],
  ['stuck', (r) => r.stuck],
  ['file', (r) => r.files.join(', ') || '-'],
];

export function outcomeTable(rows: readonly OfficeRow[]): string[] {
  const cells = [COLUMNS.map(([name]) => name), ...rows.map((row) => COLUMNS.map(([, get]) => String(get(row))))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

/** The whole `replay` report: timeline, outcome table, stuck records, violations, expectation. */
export function renderReplay(result: RunResult, options: { timeline?: boolean } = {}): string {
  const lines = [`seed ${result.seed} · scenario ${result.scenario} · stopped: ${result.stop} at ${result.endedAt}`, ...result.warnings.map((w) => `Warning: ${w}`), ''];
  if (options.timeline ?? true) lines.push('Timeline', ...timelineLines(result).map((l) => `  ${l}`), '');
  lines.push('Outcome per office', ...outcomeTable(result.offices).map((l) => `  ${l}`), '');
  lines.push(`Stuck records: ${result.stuck.length}`);
  for (const group of groupStuck(result.stuck)) {
    const ids = group.ids.length > 1 ? `${group.ids.length} records (${group.ids[0]} … ${group.ids.at(-1)})` : group.ids[0];
    lines.push(`  ${group.office}  ${ids}  starting ${group.starts.join(', ')}`, `       why: ${group.reason}`);
  }
  lines.push('', `Invariant violations: ${result.violations.length}`);
  for (const v of result.violations) lines.push(`  ${v.kind}: ${v.detail}${v.t === null ? '' : `  (first held at ${instantOf(result.startedAt, v.t)}: ${v.event})`}`);
  if (result.firstViolation) lines.push(`First broken: ${describeFirst(result, result.firstViolation)}`);
  lines.push(
    '',
    `Expectation: ${result.expectation.met ? 'met' : `NOT met (${result.expectation.mismatches.join('; ')})`}`,
    `Virtual time ${(result.stats.virtualMs / 1000).toFixed(1)} s, ${result.stats.eventsRun} events, ${result.stats.storeOperations} store operations`,
    `Replay: ${result.replay}`,
  );
  return lines.join('\n') + '\n';
}

/** "not-settled at 2021-07-31 16:00:00.000 (+7200.000 s): the run stopped (horizon)". */
export function describeFirst(run: { startedAt: string }, v: Violation): string {
  return `${v.kind} at ${instantOf(run.startedAt, v.t!)} (+${(v.t! / 1000).toFixed(3)} s): ${v.event}`;
}

/** Stuck records of one office share their reason (the fate of that office's commands): one line each. */
export function groupStuck(stuck: readonly StuckRecord[]): { office: string; reason: string; ids: string[]; starts: string[] }[] {
  const groups = new Map<string, { office: string; reason: string; ids: string[]; starts: string[] }>();
  for (const s of stuck) {
    const key = `${s.office}\n${s.reason}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { office: s.office, reason: s.reason, ids: [], starts: [] }));
    group.ids.push(s.id);
    if (!group.starts.includes(s.startDate)) group.starts.push(s.startDate);
  }
  return [...groups.values()];
}
