import type { OfficeCode } from '../domain/offices.js';
import type { EventKind, RunResult, TimelineEvent } from './result.js';
import type { Scenario } from './scenario-model.js';
import { describeFirst, groupStuck, instantOf, outcomeTable } from './timeline-text.js';

/** What the timeline draws, per event kind: the rest (publish, ack…) stays in the tooltips' detail. */
/** `row`: attempts above the lane's middle, failures on it, endings below, so marks at one instant stay apart. */
const MARKS: Partial<Record<EventKind, { shape: 'circle' | 'ring' | 'square' | 'diamond' | 'cross' | 'triangle'; colour: string; label: string; row: -1 | 0 | 1 }>> = {
  deliver: { shape: 'circle', colour: '#8a8f98', label: 'attempt (delivery)', row: -1 },
  requeue: { shape: 'triangle', colour: '#ff7f0e', label: 'redelivery (requeue / retry)', row: -1 },
  retry: { shape: 'triangle', colour: '#ff7f0e', label: 'redelivery (requeue / retry)', row: -1 },
  conflict: { shape: 'cross', colour: '#d62728', label: 'conflict', row: 0 },
  unavailable: { shape: 'cross', colour: '#ff7f0e', label: 'store unavailable', row: 0 },
  crash: { shape: 'triangle', colour: '#d62728', label: 'handler crash', row: 0 },
  'dead-letter': { shape: 'square', colour: '#9467bd', label: 'dead-lettered', row: 1 },
  dropped: { shape: 'square', colour: '#111111', label: 'lost (dropped / deleted / expired)', row: 1 },
  'deleted-on-failure': { shape: 'square', colour: '#111111', label: 'lost (dropped / deleted / expired)', row: 1 },
  expired: { shape: 'square', colour: '#111111', label: 'lost (dropped / deleted / expired)', row: 1 },
  exported: { shape: 'diamond', colour: '#2ca02c', label: 'file written', row: 1 },
  violation: { shape: 'ring', colour: '#d62728', label: 'invariant first broken', row: 0 },
};

const LANE_HEIGHT = 36;
const AXIS_HEIGHT = 22;
const LEFT = 48;
/** The SVG's own units: it is drawn 100 % wide, so this is only the resolution of the x axis. */
const WIDTH = 1200;
const RIGHT = 16;
/** A quiet gap longer than this starts a new burst: each burst gets its own linear axis. */
export const BURST_GAP_MS = 60_000;
/** Bursts longer than this also get a zoom into their first ZOOM_MS, where the race is. */
const ZOOM_MS = 100;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Drawn = TimelineEvent & { office: OfficeCode };

/** Events split where nothing happens for more than BURST_GAP_MS. */
export function bursts(events: readonly Drawn[]): Drawn[][] {
  const sorted = [...events].sort((a, b) => a.t - b.t);
  const groups: Drawn[][] = [];
  for (const event of sorted) {
    const last = groups.at(-1);
    if (last && event.t - last.at(-1)!.t <= BURST_GAP_MS) last.push(event);
    else groups.push([event]);
  }
  return groups;
}

/** A 1-2-5 step giving about `count` ticks over `span` ms. */
export function tickStep(spanMs: number, count = 8): number {
  const raw = Math.max(spanMs, 1) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw)!;
}

const offsetLabel = (ms: number, step: number) => (step < 1000 ? `+${Number(ms.toFixed(3))} ms` : `+${Number((ms / 1000).toFixed(3))} s`);

function mark(shape: string, x: number, y: number, colour: string): string {
  const r = 5;
  switch (shape) {
    case 'circle':
      return `<circle cx="${x}" cy="${y}" r="${r - 1}" fill="${colour}"/>`;
    case 'ring':
      return `<circle cx="${x}" cy="${y}" r="${r + 2}" fill="none" stroke="${colour}" stroke-width="2"/>`;
    case 'square':
      return `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}" fill="${colour}"/>`;
    case 'diamond':
      return `<path d="M${x} ${y - r - 1}L${x + r + 1} ${y}L${x} ${y + r + 1}L${x - r - 1} ${y}Z" fill="${colour}"/>`;
    case 'cross':
      return `<path d="M${x - r} ${y - r}L${x + r} ${y + r}M${x + r} ${y - r}L${x - r} ${y + r}" stroke="${colour}" stroke-width="2"/>`;
    default:
      return `<path d="M${x} ${y - r}L${x + r} ${y + r}L${x - r} ${y + r}Z" fill="${colour}"/>`;
  }
}

/**
 * One panel: the offices' lanes over [fromT, toT] on a linear axis, labelled from the panel's start.
 * Drawn at 100 % of its frame's width (viewBox), so it fills the report however wide the window is.
 */
function panelSvg(result: RunResult, offices: readonly OfficeCode[], events: readonly Drawn[], fromT: number, toT: number): string {
  const span = Math.max(toT - fromT, 1);
  const x = (t: number) => Number((LEFT + ((t - fromT) / span) * (WIDTH - LEFT - RIGHT)).toFixed(2));
  const step = tickStep(span);
  const height = AXIS_HEIGHT + offices.length * LANE_HEIGHT + 4;
  const ticks: string[] = [];
  for (let offset = 0; offset <= span + 1e-9; offset += step) {
    const tx = x(fromT + offset);
    ticks.push(
      `<g class="tick" data-offset-ms="${Number(offset.toFixed(3))}"><line x1="${tx}" y1="${AXIS_HEIGHT - 4}" x2="${tx}" y2="${height}" stroke="#e3e5e8"/>` +
        `<text x="${tx}" y="12" font-size="10" font-family="monospace" fill="#555" text-anchor="middle">${offsetLabel(offset, step)}</text></g>`,
    );
  }
  const lanes = offices.map((office, i) => {
    const y = AXIS_HEIGHT + i * LANE_HEIGHT + LANE_HEIGHT / 2;
    const marks = events
      .filter((e) => e.office === office && e.t >= fromT && e.t <= toT)
      .map((e) => {
        const m = MARKS[e.kind]!;
        const tip = `${instantOf(result.startedAt, e.t)} ${e.kind}${e.messageId ? ` ${e.messageId}` : ''}: ${e.detail}`;
        return `<g class="mark ${e.kind}"><title>${escape(tip)}</title>${mark(m.shape, x(e.t), y + m.row * 10, m.colour)}</g>`;
      });
    const stuck = result.offices.find((r) => r.office === office)?.stuck ?? 0;
    return [
      `<g class="lane" data-office="${office}" data-stuck="${stuck}">`,
      `<rect x="0" y="${y - LANE_HEIGHT / 2}" width="${WIDTH}" height="${LANE_HEIGHT}" fill="${i % 2 ? '#f6f7f9' : '#ffffff'}" fill-opacity="0.6"/>`,
      `<text x="6" y="${y + 4}" font-size="12" font-family="monospace" fill="${stuck > 0 ? '#d62728' : '#222'}">${office}</text>`,
      ...marks,
      '</g>',
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" data-from="${fromT}" data-to="${toT}" width="100%" viewBox="0 0 ${WIDTH} ${height}" preserveAspectRatio="none" style="height:${height}px">${ticks.join('')}${lanes.join('')}</svg>`;
}

/**
 * The timeline: per burst, one lane per office with its attempts, conflicts, redeliveries,
 * dead-letters, losses, files and broken invariants on a linear, labelled axis; a burst longer than
 * a second also opens onto its first 100 ms, where simultaneous commands race for the Counter.
 */
export function timelineSvg(result: RunResult): string {
  const offices = [...new Set(result.offices.map((r) => r.office))] as OfficeCode[];
  const drawn = result.events.filter((e): e is Drawn => e.office !== null && MARKS[e.kind] !== undefined);
  return bursts(drawn)
    .map((burst, i) => {
      const fromT = burst[0]!.t;
      const toT = burst.at(-1)!.t;
      const title = `Burst ${i + 1}: ${instantOf(result.startedAt, fromT)} to ${instantOf(result.startedAt, toT)} (${Number(((toT - fromT) / 1000).toFixed(3))} s)`;
      const zoom =
        toT - fromT > 1000
          ? `<details class="zoom"><summary>Zoom: the first ${ZOOM_MS} ms</summary>${panelSvg(result, offices, burst, fromT, fromT + ZOOM_MS)}</details>`
          : '';
      return `<section class="burst"><h3>${escape(title)}</h3><div class="timeline-wrap">${panelSvg(result, offices, burst, fromT, Math.max(toT, fromT + 1))}</div>${zoom}</section>`;
    })
    .join('\n');
}

function legend(): string {
  const seen = new Set<string>();
  const items: string[] = [];
  for (const m of Object.values(MARKS)) {
    if (!m || seen.has(m.label)) continue;
    seen.add(m.label);
    items.push(`<span><svg width="14" height="14" viewBox="0 0 14 14">${mark(m.shape, 7, 7, m.colour)}</svg> ${escape(m.label)}</span>`);
  }
  return `<p class="legend">${items.join(' ')}</p>`;
}

/** A self-contained page (no scripts, no external resources): timeline, outcome table, stuck records, violations. */
export function renderReportHtml(scenario: Scenario, result: RunResult, preface?: { title: string; text: string }): string {
  const list = (items: string[]) => (items.length ? `<ul>${items.map((i) => `<li>${escape(i)}</li>`).join('')}</ul>` : '<p>None.</p>');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>esr-sim: ${escape(result.scenario)} seed ${result.seed}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;color:#222}pre{background:#f6f7f9;padding:8px;overflow-x:auto}
.legend span{margin-right:14px;white-space:nowrap}.timeline-wrap{border:1px solid #ddd}svg.timeline{display:block;width:100%}
h3{font-size:14px;margin:16px 0 4px}.warning{color:#b35900}
.verdict-fail{color:#d62728}.verdict-ok{color:#2ca02c}</style></head>
<body>
<h1>${escape(result.scenario)} · seed ${result.seed}</h1>
<p>${escape(scenario.description)}</p>
<p class="${result.stuck.length || result.violations.length ? 'verdict-fail' : 'verdict-ok'}">${result.stuck.length} stuck record(s), ${result.violations.length} invariant violation(s); expectation ${result.expectation.met ? 'met' : 'NOT met'}.</p>
${result.warnings.map((w) => `<p class="warning">Warning: ${escape(w)}</p>`).join('\n')}
<p>Replay: <code>${escape(result.replay)}</code></p>
${preface ? `<h2>${escape(preface.title)}</h2>\n<pre class="preface">${escape(preface.text)}</pre>` : ''}
${result.firstViolation ? `<p class="first-violation verdict-fail">First broken: ${escape(describeFirst(result, result.firstViolation))}</p>` : ''}
<h2>Timeline</h2>
${legend()}
${timelineSvg(result)}
<h2>Outcome per office</h2>
<pre>${escape(outcomeTable(result.offices).join('\n'))}</pre>
<h2>Stuck records</h2>
${list(groupStuck(result.stuck).map((g) => `${g.office}: ${g.ids.length} record(s) (${g.ids.join(', ')}; starting ${g.starts.join(', ')}) — ${g.reason}`))}
<h2>Invariant violations</h2>
${list(result.violations.map((v) => `${v.kind}: ${v.detail}${v.t === null ? '' : ` (first held at ${instantOf(result.startedAt, v.t)}: ${v.event})`}`))}
</body></html>
`;
}
