import type { Finding } from '../evaluate/report.js';
import type { Reporter } from './reporter.js';

/** The documented field order (docs/policies.md, "JSON output"); optional fields follow when present. */
function stable(finding: Finding): Record<string, unknown> {
  const { policy, env, queue, check, setting, severity, status, expected, actual, message, source, fix, queueId, location, waiver } = finding;
  return { policy, env, queue, check, setting, severity, status, expected, actual, message, source, fix, queueId, location, waiver };
}

export const reporter: Reporter = {
  render(report) {
    const document = {
      schemaVersion: 1,
      env: report.env,
      baseline: report.baseline,
      summary: { ...report.summary },
      findings: report.findings.map(stable),
      notCovered: report.notCovered,
    };
    return `${JSON.stringify(document, null, 2)}\n`;
  },
};
