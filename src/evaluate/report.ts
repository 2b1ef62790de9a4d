import type { Location, Severity } from '../policy/types.js';

/**
 * The one type between evaluation and the reporters. `--format json` prints it as documented in
 * docs/policies.md (a stable contract): add fields, never rename or remove them.
 */
export type Status = 'pass' | 'fail' | 'error' | 'waived';

export interface Finding {
  policy: string;
  env: string;
  /** The logical queue name (as policies and environments say it). */
  queue: string;
  /** The check's stable id from src/evaluate/checks/registry.ts, e.g. `ESR-DLQ-001`. */
  check: string;
  /** Parity only: which setting the target lost (`maxDeliveries`, `deadLetterTarget`, …). */
  setting?: string;
  severity: Severity;
  status: Status;
  expected: string;
  actual: string;
  message: string;
  /** Where the actual value was read: source and origin (policy, x-argument, attribute, ...). */
  source: string;
  /** How to fix it: a `rabbitmqctl set_policy`, `aws sqs set-queue-attributes` or Terraform snippet. */
  fix?: string;
  /** The real queue (vhost/name, URL or ARN). */
  queueId?: string;
  /** The policy (or environment) line that asked for the check. */
  location?: Location;
  /** Where the queue is declared (the plan's configuration, the template, the export), when read from a file: SARIF's primary location. */
  queueLocation?: Location;
  /** `inSource`: an inline IaC suppression (Terraform comment, CloudFormation Metadata) at that line; it has no expiry. */
  waiver?: { reason: string; expires: string; inSource?: Location };
}

export interface Summary {
  passed: number;
  failed: number;
  errors: number;
  waived: number;
}

/** A queue a source found that no policy covers (by logical name or selector), nor as the DLQ or wait queue of a covered one. */
export interface UncoveredQueue {
  queueId: string;
  name: string;
  role: string;
  source: string;
}

export interface Report {
  env: string;
  baseline?: string;
  summary: Summary;
  findings: Finding[];
  /** Queues no policy covers; each is also an ESR-COVER-001 finding (a failure under --strict). */
  notCovered?: UncoveredQueue[];
}

const STATUS_ORDER: Record<Status, number> = { error: 0, fail: 1, waived: 2, pass: 3 };

/** Code-unit order: the same on every machine (localeCompare follows the locale) and fast for estates of 40,000 findings. */
const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareFindings(a: Finding, b: Finding): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    text(a.policy, b.policy) ||
    text(a.env, b.env) ||
    text(a.queue, b.queue) ||
    text(a.check, b.check) ||
    text(a.queueId ?? '', b.queueId ?? '') ||
    text(a.setting ?? '', b.setting ?? '')
  );
}

export function summarize(findings: readonly Finding[]): Summary {
  const count = (status: Status): number => findings.filter((finding) => finding.status === status).length;
  return { passed: count('pass'), failed: count('fail'), errors: count('error'), waived: count('waived') };
}

/** Findings in a stable order (problems first) with their summary. */
export function buildReport(env: string, baseline: string | undefined, findings: readonly Finding[], notCovered?: readonly UncoveredQueue[]): Report {
  const sorted = [...findings].sort(compareFindings);
  return {
    env,
    ...(baseline === undefined ? {} : { baseline }),
    summary: summarize(sorted),
    findings: sorted,
    ...(notCovered === undefined || notCovered.length === 0 ? {} : { notCovered: [...notCovered] }),
  };
}

/** True when the finding fails the run: a violated error-severity check. Warnings and notes are reported only. */
export function isViolation(finding: Finding): boolean {
  return finding.status === 'fail' && finding.severity === 'error';
}

/**
 * The exit code, computed here and nowhere else (contract): 2 when any check could not be made
 * (fail closed: an unknown value never passes), 1 when any error-severity check is violated, else 0.
 */
export function exitCode(report: Report): 0 | 1 | 2 {
  if (report.findings.some((finding) => finding.status === 'error')) return 2;
  if (report.findings.some(isViolation)) return 1;
  return 0;
}
