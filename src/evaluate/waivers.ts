import { CHECK_NAMES, type CheckName, type Policy, type Waiver } from '../policy/types.js';
import { idsOfPolicyCheck } from './checks/registry.js';
import type { QueueSettings } from '../sources/queue-settings.js';
import type { Finding } from './report.js';

/** A waiver holds through its expiry day; `asOf` and `expires` are both YYYY-MM-DD, so text order is date order. */
export function isExpired(waiver: Waiver, asOf: string): boolean {
  return waiver.expires < asOf;
}

/** A waiver names one check id, or a policy check key that stands for every id it yields. */
function waivedIds(check: string): string[] {
  return (CHECK_NAMES as readonly string[]).includes(check) ? idsOfPolicyCheck(check as CheckName) : [check];
}

function waives(waiver: Waiver, finding: Finding): boolean {
  const queue = waiver.queue === finding.queue || waiver.queue === finding.queueId;
  return queue && waivedIds(waiver.check).includes(finding.check) && (waiver.env === undefined || waiver.env === finding.env);
}

/** A copy of the finding, waived: Object.assign, since on Node 20 a spread plus keys gives each copy a hidden class of its own (an estate may waive thousands). */
function waived(finding: Finding, waiver: NonNullable<Finding['waiver']>): Finding {
  return Object.assign({}, finding, { status: 'waived' as const, waiver });
}

/** Said instead of an expiry date: an inline suppression lives and dies with the code it excuses. */
export const INLINE_EXPIRY = 'no expiry (inline suppression)';

/**
 * Inline IaC suppressions the sources read (`# policy-check:skip=ID:reason` in a .tf file,
 * `Metadata: { policy-check: { skip: [{ id, reason }] } }` in a template) waive the failed finding
 * of that check id on that queue.
 */
export function applySuppressions(findings: readonly Finding[], queues: readonly QueueSettings[]): Finding[] {
  const byQueue = new Map(queues.filter((q) => q.suppressions !== undefined).map((q) => [q.id, q.suppressions ?? []]));
  return findings.map((finding) => {
    if (finding.status !== 'fail' || finding.queueId === undefined) return finding;
    const inline = byQueue.get(finding.queueId)?.find((s) => s.checkId === finding.check);
    return inline ? waived(finding, { reason: inline.reason, expires: INLINE_EXPIRY, inSource: inline.location }) : finding;
  });
}

/**
 * Failed findings covered by a live waiver become `waived` (with its reason); every expired waiver
 * becomes a failed finding of its own, so a forgotten waiver fails the run instead of hiding a problem.
 */
export function applyWaivers(findings: readonly Finding[], policies: readonly Policy[], env: string, asOf: string): Finding[] {
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const result = findings.map((finding) => {
    if (finding.status !== 'fail') return finding;
    const waiver = byName.get(finding.policy)?.waivers?.find((candidate) => waives(candidate, finding) && !isExpired(candidate, asOf));
    return waiver ? waived(finding, { reason: waiver.reason, expires: waiver.expires }) : finding;
  });
  for (const policy of policies) {
    (policy.waivers ?? []).forEach((waiver, index) => {
      if (!isExpired(waiver, asOf) || (waiver.env !== undefined && waiver.env !== env)) return;
      result.push({
        policy: policy.name,
        env,
        queue: waiver.queue,
        check: 'ESR-WAIVER-001',
        severity: 'error',
        status: 'fail',
        expected: `waiver valid on ${asOf}`,
        actual: `expired on ${waiver.expires}`,
        message: `the waiver of ${waiver.check} for ${waiver.queue} expired on ${waiver.expires} ("${waiver.reason}"): fix the queue, or renew the waiver with a new date and reason`,
        source: policy.file,
        fix: `# ${policy.file}: remove the waiver once ${waiver.check} holds, or set a new expires date`,
        location: { file: policy.file, line: policy.waiverLines[index] ?? 1 },
      });
    });
  }
  return result;
}
