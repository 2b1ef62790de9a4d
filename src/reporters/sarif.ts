import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from '../evaluate/report.js';
import type { Reporter } from './reporter.js';

const RULE_TEXT: Record<string, string> = {
  retryBudget: 'Deliveries before dead-lettering are bounded both ways',
  retryDelay: 'Attempts are spaced by a minimum delay',
  deadLetter: 'A working dead-letter path exists',
  visibilityTimeout: 'The SQS visibility timeout covers the handler',
  consumerRetry: "The consumer's retry settings do not lose messages",
  binding: 'The environment binds every queue a policy applies to',
  exists: 'Every bound queue exists',
  waiver: 'Waivers have not expired',
};

function ruleText(check: string): string {
  return RULE_TEXT[check] ?? (check.startsWith('parity') ? `The target keeps the baseline's ${check.slice('parity.'.length) || 'retry settings'}` : check);
}

/** Stable across runs and line moves: what is checked where, not the message. */
export function fingerprint(finding: Finding): string {
  return createHash('sha256').update([finding.policy, finding.env, finding.queue, finding.check].join('\u0000')).digest('hex');
}

const level = (finding: Finding): 'error' | 'warning' | 'note' => (finding.status === 'error' ? 'error' : finding.severity);

function uri(file: string): string {
  return isAbsolute(file) ? pathToFileURL(file).href : file.split('\\').join('/');
}

function result(finding: Finding, ruleIndex: number): Record<string, unknown> {
  const text = [finding.message, `Expected ${finding.expected}; actual ${finding.actual}.`, ...(finding.fix ? [`Fix:\n${finding.fix}`] : [])].join('\n');
  return {
    ruleId: finding.check,
    ruleIndex,
    level: level(finding),
    message: { text },
    locations: finding.location
      ? [{ physicalLocation: { artifactLocation: { uri: uri(finding.location.file) }, region: { startLine: finding.location.line } } }]
      : [],
    partialFingerprints: { 'policyCheck/v1': fingerprint(finding) },
    properties: { policy: finding.policy, env: finding.env, queue: finding.queue, queueId: finding.queueId, status: finding.status, source: finding.source },
    ...(finding.waiver ? { suppressions: [{ kind: 'external', status: 'accepted', justification: `${finding.waiver.reason} (until ${finding.waiver.expires})` }] } : {}),
  };
}

/** SARIF 2.1.0: one result per problem (passes are not results), each anchored to the policy line that asked for it. */
export const reporter: Reporter = {
  render(report) {
    const reported = report.findings.filter((finding) => finding.status !== 'pass');
    const ruleIds = [...new Set(reported.map((finding) => finding.check))].sort();
    const rules = ruleIds.map((id) => ({
      id,
      name: id,
      shortDescription: { text: ruleText(id) },
      help: { text: `${ruleText(id)}. Each result says how to fix it; the checks are described in docs/policies.md.` },
    }));
    const sarif = {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'policy-check', rules } },
          automationDetails: { id: `policy-check/${report.env}${report.baseline ? `-vs-${report.baseline}` : ''}/` },
          results: reported.map((finding) => result(finding, ruleIds.indexOf(finding.check))),
        },
      ],
    };
    return `${JSON.stringify(sarif, null, 2)}\n`;
  },
};
