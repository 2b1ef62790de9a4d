import type { Finding, Report } from '../evaluate/report.js';
import { reporter as markdown } from './markdown.js';
import type { Reporter } from './reporter.js';
import { escapedReport, headline, problems } from './text.js';

/** GitHub shows at most 10 error and 10 warning annotations per step (and 10 notices): the rest go to the summary. */
export const ANNOTATIONS_PER_LEVEL = 10;
/** A step summary is limited to 1 MiB. */
export const STEP_SUMMARY_MAX_BYTES = 1024 * 1024;

type Level = 'error' | 'warning' | 'notice';

const escapeData = (text: string): string => text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
const escapeProperty = (text: string): string => escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');

function levelOf(finding: Finding): Level {
  if (finding.status === 'error' || (finding.status === 'fail' && finding.severity === 'error')) return 'error';
  if (finding.status === 'fail' && finding.severity === 'warning') return 'warning';
  return 'notice';
}

function annotation(finding: Finding, level: Level): string {
  const anchor = finding.queueLocation ?? finding.location;
  const properties = [
    ...(anchor ? [`file=${escapeProperty(anchor.file)}`, `line=${anchor.line}`] : []),
    `title=${escapeProperty(`${finding.policy}: ${finding.queue} ${finding.check} (${finding.env})`)}`,
  ];
  const message = [finding.message, `expected ${finding.expected}; actual ${finding.actual}`, ...(finding.waiver ? [`waived until ${finding.waiver.expires}: ${finding.waiver.reason}`] : []), ...(finding.fix ? [`fix: ${finding.fix}`] : [])].join('\n');
  return `::${level} ${properties.join(',')}::${escapeData(message)}`;
}

/** Workflow commands on stdout: annotations up to GitHub's limits, then one notice counting the rest. */
export const reporter: Reporter = {
  render(raw) {
    const report = escapedReport(raw);
    const used: Record<Level, number> = { error: 0, warning: 0, notice: 0 };
    const lines: string[] = [];
    let skipped = 0;
    for (const finding of problems(report)) {
      const level = levelOf(finding);
      const limit = level === 'notice' ? ANNOTATIONS_PER_LEVEL - 1 : ANNOTATIONS_PER_LEVEL;
      if (used[level] >= limit) {
        skipped += 1;
        continue;
      }
      used[level] += 1;
      lines.push(annotation(finding, level));
    }
    if (skipped > 0) lines.push(`::notice title=policy-check::${skipped} more finding(s) are not annotated (GitHub's limit): see the step summary`);
    lines.push(headline(report));
    return `${lines.join('\n')}\n`;
  },
};

/** Markdown for `$GITHUB_STEP_SUMMARY`, cut to GitHub's size limit. */
export function stepSummary(report: Report): string {
  const text = markdown.render(report, { color: false });
  if (Buffer.byteLength(text) <= STEP_SUMMARY_MAX_BYTES) return text;
  const note = '\n\n_(truncated: the summary exceeds GitHub’s 1 MiB limit; use --format json for everything)_\n';
  return Buffer.from(text).subarray(0, STEP_SUMMARY_MAX_BYTES - Buffer.byteLength(note) - 4).toString('utf8').replace(/\uFFFD+$/, '') + note;
}
