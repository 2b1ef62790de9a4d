import type { Finding, Report } from '../evaluate/report.js';
import type { Location } from '../policy/types.js';
import { escapeControl } from '../text/escape.js';

/** Small helpers shared by the text reporters. */
const at = (location: Location): string => `${location.file}:${location.line}`;

/** The IaC line the finding is about when known (with the policy line), else the policy line, else the source. */
export function where(finding: Finding): string {
  if (finding.queueLocation) return finding.location ? `${at(finding.queueLocation)} (policy ${at(finding.location)})` : at(finding.queueLocation);
  return finding.location ? at(finding.location) : finding.source;
}

export function headline(report: Report): string {
  const { passed, failed, errors, waived } = report.summary;
  const scope = report.baseline ? `${report.env} (baseline ${report.baseline})` : report.env;
  return `policy-check ${scope}: ${failed} failed, ${errors} could not be checked, ${waived} waived, ${passed} passed`;
}

export const problems = (report: Report): Finding[] => report.findings.filter((finding) => finding.status !== 'pass');

/**
 * The finding with every text that came from outside (queue and exchange names, values, messages)
 * passed through `escapeControl`: a name such as "esr.dlx\n::error::x" can neither start a line a CI
 * runner reads as a command nor break XML. `fix` stays multi-line: each line is escaped.
 */
export function escaped(finding: Finding): Finding {
  const e = escapeControl;
  return {
    ...finding,
    policy: e(finding.policy),
    env: e(finding.env),
    queue: e(finding.queue),
    check: e(finding.check),
    expected: e(finding.expected),
    actual: e(finding.actual),
    message: e(finding.message),
    source: e(finding.source),
    ...(finding.fix === undefined ? {} : { fix: escapeFix(finding.fix) }),
    ...(finding.queueId === undefined ? {} : { queueId: e(finding.queueId) }),
    ...(finding.location === undefined ? {} : { location: { ...finding.location, file: e(finding.location.file) } }),
    ...(finding.queueLocation === undefined ? {} : { queueLocation: { ...finding.queueLocation, file: e(finding.queueLocation.file) } }),
    ...(finding.waiver === undefined ? {} : { waiver: { reason: e(finding.waiver.reason), expires: e(finding.waiver.expires) } }),
  };
}

/**
 * A fix is several lines we wrote, with outside names inside: each line is escaped, and a line break
 * before `::` (which no generated fix starts a line with) came from a name, so it is escaped too.
 */
function escapeFix(fix: string): string {
  return fix.replace(/\n(?=\s*::)/g, '\\n').split('\n').map(escapeControl).join('\n');
}

/** The report as the human formats show it: every finding escaped. */
export function escapedReport(report: Report): Report {
  return { ...report, env: escapeControl(report.env), ...(report.baseline === undefined ? {} : { baseline: escapeControl(report.baseline) }), findings: report.findings.map(escaped) };
}
