import type { Finding, Report } from '../evaluate/report.js';

/** Small helpers shared by the text reporters. */
export function where(finding: Finding): string {
  return finding.location ? `${finding.location.file}:${finding.location.line}` : finding.source;
}

export function headline(report: Report): string {
  const { passed, failed, errors, waived } = report.summary;
  const scope = report.baseline ? `${report.env} (baseline ${report.baseline})` : report.env;
  return `policy-check ${scope}: ${failed} failed, ${errors} could not be checked, ${waived} waived, ${passed} passed`;
}

export const problems = (report: Report): Finding[] => report.findings.filter((finding) => finding.status !== 'pass');
