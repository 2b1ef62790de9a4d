import type { OfficeCode } from '../domain/offices.js';
import type { EventKind, RunResult, TimelineEvent } from './result.js';
import type { Scenario } from './scenario.js';
import { instantOf, outcomeTable } from './timeline-text.js';

/** What the timeline draws, per event kind: the rest (publish, ack…) stays in the tooltips' detail. */
/** `row`: attempts above the lane's middle, failures on it, endings below, so marks at one instant stay apart. */
const MARKS: Partial<Record<EventKind, { shape: 'circle' | 'square' | 'diamond' | 'cross' | 'triangle'; colour: string; label: string; row: -1 | 0 | 1 }>> = {
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
};

const LANE_HEIGHT = 36;
const AXIS_HEIGHT = 18;
const LEFT = 60;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Virtual time compressed for the eye: a second of activity gets 120 px, a quiet gap grows only
 * with its logarithm, so a burst on Saturday and one on Monday fit on one screen in order.
 * Returns the scale and where each stretch of activity after a long gap starts (for the axis).
 */
function xScale(times: readonly number[]): { x: (t: number) => number; stretches: number[] } {
  const distinct = [...new Set(times)].sort((a, b) => a - b);
  const positions = new Map<number, number>();
  const stretches: number[] = distinct.length ? [distinct[0]!] : [];
  let x = LEFT + 10;
  let previous = distinct[0] ?? 0;
  for (const t of distinct) {
    const gap = t - previous;
    x += gap <= 1000 ? (gap / 1000) * 120 : 120 + Math.log10(gap / 1000) * 40;
    if (gap > 60_000) stretches.push(t);
    positions.set(t, x);
    previous = t;
  }
  return { x: (t) => positions.get(t) ?? LEFT, stretches };
}

function mark(shape: string, x: number, y: number, colour: string): string {
  const r = 5;
  switch (shape) {
    case 'circle':
      return `<circle cx="${x}" cy="${y}" r="${r - 1}" fill="${colour}"/>`;
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

/** The SVG timeline: one lane per office with its attempts, conflicts, redeliveries, dead-letters and files. */
export function timelineSvg(result: RunResult): string {
  const offices = [...new Set(result.offices.map((r) => r.office))] as OfficeCode[];
  const drawn = result.events.filter((e): e is TimelineEvent & { office: OfficeCode } => e.office !== null && MARKS[e.kind] !== undefined);
  const { x, stretches } = xScale(drawn.map((e) => e.t));
  const width = Math.max(600, Math.ceil(Math.max(LEFT, ...drawn.map((e) => x(e.t)))) + 40);
  const height = AXIS_HEIGHT + offices.length * LANE_HEIGHT + 10;
  const axis = stretches.map(
    (t) => `<text class="tick" x="${x(t)}" y="12" font-size="10" font-family="monospace" fill="#555">${instantOf(result.startedAt, t).slice(5, 19)}</text>`,
  );
  const lanes = offices.map((office, i) => {
    const y = AXIS_HEIGHT + i * LANE_HEIGHT + LANE_HEIGHT / 2;
    const marks = drawn
      .filter((e) => e.office === office)
      .map((e) => {
        const m = MARKS[e.kind]!;
        const tip = `${instantOf(result.startedAt, e.t)} ${e.kind}${e.messageId ? ` ${e.messageId}` : ''}: ${e.detail}`;
        return `<g class="mark ${e.kind}"><title>${escape(tip)}</title>${mark(m.shape, x(e.t), y + m.row * 10, m.colour)}</g>`;
      });
    const stuck = result.offices.find((r) => r.office === office)?.stuck ?? 0;
    return [
      `<g class="lane" data-office="${office}" data-stuck="${stuck}">`,
      `<rect x="0" y="${y - LANE_HEIGHT / 2}" width="${width}" height="${LANE_HEIGHT}" fill="${i % 2 ? '#f6f7f9' : '#ffffff'}"/>`,
      `<text x="8" y="${y + 4}" font-size="12" font-family="monospace" fill="${stuck > 0 ? '#d62728' : '#222'}">${office}</text>`,
      ...marks,
      '</g>',
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${axis.join('')}${lanes.join('')}</svg>`;
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
.legend span{margin-right:14px;white-space:nowrap}.timeline-wrap{overflow-x:auto;border:1px solid #ddd}
.verdict-fail{color:#d62728}.verdict-ok{color:#2ca02c}</style></head>
<body>
<h1>${escape(result.scenario)} · seed ${result.seed}</h1>
<p>${escape(scenario.description)}</p>
<p class="${result.stuck.length || result.violations.length ? 'verdict-fail' : 'verdict-ok'}">${result.stuck.length} stuck record(s), ${result.violations.length} invariant violation(s); expectation ${result.expectation.met ? 'met' : 'NOT met'}.</p>
${result.warnings.map((w) => `<p class="warning">Warning: ${escape(w)}</p>`).join('\n')}
<p>Replay: <code>${escape(result.replay)}</code></p>
${preface ? `<h2>${escape(preface.title)}</h2>\n<pre class="preface">${escape(preface.text)}</pre>` : ''}
<h2>Timeline</h2>
${legend()}
<div class="timeline-wrap">${timelineSvg(result)}</div>
<h2>Outcome per office</h2>
<pre>${escape(outcomeTable(result.offices).join('\n'))}</pre>
<h2>Stuck records</h2>
${list(result.stuck.map((s) => `${s.office} ${s.id} (starts ${s.startDate}): ${s.reason}`))}
<h2>Invariant violations</h2>
${list(result.violations.map((v) => `${v.kind}: ${v.detail}`))}
</body></html>
`;
}
