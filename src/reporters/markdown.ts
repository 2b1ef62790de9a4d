import type { Finding, Status } from '../evaluate/report.js';
import type { Reporter } from './reporter.js';
import { escapedReport, headline, problems, where } from './text.js';

const ICON: Record<Status, string> = { pass: '✅', fail: '❌', error: '⛔', waived: '⚠️' };
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', '<br>');

function row(finding: Finding): string {
  return `| ${ICON[finding.status]} ${finding.status} | ${finding.severity} | ${cell(finding.policy)} | ${cell(finding.queue)} | ${cell(finding.check)} | ${cell(finding.expected)} | ${cell(finding.actual)} |`;
}

function detail(finding: Finding): string[] {
  return [
    `### ${ICON[finding.status]} ${finding.queue} · ${finding.check}`,
    '',
    `${finding.message} (\`${where(finding)}\`)`,
    ...(finding.waiver ? ['', `Waived until ${finding.waiver.expires}: ${finding.waiver.reason}`] : []),
    ...(finding.fix ? ['', '```sh', finding.fix, '```'] : []),
    '',
  ];
}

export const reporter: Reporter = {
  render(raw) {
    const report = escapedReport(raw);
    const lines = [
      `## ${headline(report)}`,
      '',
      '| Status | Severity | Policy | Queue | Check | Expected | Actual |',
      '|---|---|---|---|---|---|---|',
      ...report.findings.map(row),
      '',
    ];
    const issues = problems(report);
    if (issues.length > 0) lines.push('<details><summary>How to fix</summary>', '', ...issues.flatMap(detail), '</details>', '');
    return lines.join('\n');
  },
};
