import { createColors } from 'picocolors';
import type { Finding, Status } from '../evaluate/report.js';
import type { Reporter } from './reporter.js';
import { escapedReport, headline, problems, where } from './text.js';

const LABEL: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', waived: 'WAIVED' };
const HEADER = ['STATUS', 'SEVERITY', 'POLICY', 'QUEUE', 'CHECK', 'ACTUAL'];

/** On a terminal the table shows the gist (the details below carry the whole text); into a file or a pipe, never cut. */
const ACTUAL_MAX = 72;
const clipped = (text: string): string => (text.length > ACTUAL_MAX ? `${text.slice(0, ACTUAL_MAX - 1)}…` : text);

function row(finding: Finding, clip: boolean): string[] {
  return [LABEL[finding.status], finding.severity, finding.policy, finding.queue, finding.check, clip ? clipped(finding.actual) : finding.actual];
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, index) => (index === cells.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ');
}

export const reporter: Reporter = {
  render(raw, options) {
    const report = escapedReport(raw);
    const colors = createColors(options.color);
    const paint: Record<Status, (text: string) => string> = { pass: colors.green, fail: colors.red, error: colors.magenta, waived: colors.yellow };
    const rows = report.findings.map((finding) => row(finding, options.clip === true));
    const widths = HEADER.map((_, column) => Math.max(...[HEADER, ...rows].map((cells) => (cells[column] ?? '').length)));
    const lines = [colors.bold(pad(HEADER, widths))];
    report.findings.forEach((finding, index) => {
      const text = pad(rows[index] ?? [], widths);
      lines.push(paint[finding.status](text.slice(0, widths[0])) + text.slice(widths[0]));
    });
    const details = problems(report).flatMap((finding) => [
      '',
      `${paint[finding.status](LABEL[finding.status])} ${finding.policy} › ${finding.queue} › ${finding.check}  ${colors.dim(where(finding))}`,
      `  ${finding.message}`,
      `  expected: ${finding.expected}`,
      `  actual:   ${finding.actual}`,
      ...(finding.waiver ? [`  waived until ${finding.waiver.expires}: ${finding.waiver.reason}`] : []),
      ...(finding.fix ? ['  fix:', ...finding.fix.split('\n').map((line) => `    ${colors.cyan(line)}`)] : []),
    ]);
    return `${[...lines, ...details, '', colors.bold(headline(report))].join('\n')}\n`;
  },
};
