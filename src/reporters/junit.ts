import type { Finding } from '../evaluate/report.js';
import type { Reporter, RunInfo } from './reporter.js';
import { escapedReport, where } from './text.js';

/** Outside text is control-escaped first (escapedReport), so only the five XML specials remain. */
const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char] ?? char);

function body(finding: Finding): string {
  return [finding.message, `expected: ${finding.expected}`, `actual: ${finding.actual}`, `at: ${where(finding)}`, ...(finding.fix ? ['fix:', finding.fix] : [])].join('\n');
}

function testcase(finding: Finding): string {
  const open = `    <testcase classname="${escapeXml(`${finding.policy}.${finding.env}`)}" name="${escapeXml(`${finding.queue} ${finding.check}`)}" time="0">`;
  const attributes = `message="${escapeXml(finding.message)}" type="${escapeXml(`${finding.check}/${finding.severity}`)}"`;
  switch (finding.status) {
    case 'pass':
      return `${open}</testcase>`;
    case 'waived':
      return `${open}\n      <skipped message="${escapeXml(`waived until ${finding.waiver?.expires ?? '?'}: ${finding.waiver?.reason ?? ''}`)}"/>\n    </testcase>`;
    case 'fail':
      return `${open}\n      <failure ${attributes}>${escapeXml(body(finding))}</failure>\n    </testcase>`;
    case 'error':
      return `${open}\n      <error ${attributes}>${escapeXml(body(finding))}</error>\n    </testcase>`;
  }
}

function counts(findings: readonly Finding[]): string {
  const count = (status: Finding['status']): number => findings.filter((finding) => finding.status === status).length;
  return `tests="${findings.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${count('waived')}"`;
}

/** The run's time, timestamp and hostname; checks run together, so each suite carries the run's figures. */
function runAttributes(run: RunInfo | undefined): string {
  if (!run) return '';
  return ` time="${run.seconds.toFixed(3)}" timestamp="${escapeXml(run.startedAt.replace(/\.\d+Z$|Z$/, ''))}" hostname="${escapeXml(run.hostname)}"`;
}

export const reporter: Reporter = {
  render(raw, options) {
    const report = escapedReport(raw);
    const run = runAttributes(options.run);
    const policies = [...new Set(report.findings.map((finding) => finding.policy))];
    const suites = policies.map((policy) => {
      const findings = report.findings.filter((finding) => finding.policy === policy);
      return [`  <testsuite name="${escapeXml(policy)}" ${counts(findings)}${run}>`, ...findings.map(testcase), '  </testsuite>'].join('\n');
    });
    const totalTime = options.run ? ` time="${options.run.seconds.toFixed(3)}"` : '';
    return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="policy-check ${escapeXml(report.env)}" ${counts(report.findings)}${totalTime}>`, ...suites, '</testsuites>', ''].join('\n');
  },
};
