import type { Policy, Waiver } from '../policy/types.js';
import type { Finding } from './report.js';

/** A waiver holds through its expiry day; `asOf` and `expires` are both YYYY-MM-DD, so text order is date order. */
export function isExpired(waiver: Waiver, asOf: string): boolean {
  return waiver.expires < asOf;
}

function waives(waiver: Waiver, finding: Finding): boolean {
  return waiver.queue === finding.queue && waiver.check === finding.check && (waiver.env === undefined || waiver.env === finding.env);
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
    return waiver ? { ...finding, status: 'waived' as const, waiver: { reason: waiver.reason, expires: waiver.expires } } : finding;
  });
  for (const policy of policies) {
    (policy.waivers ?? []).forEach((waiver, index) => {
      if (!isExpired(waiver, asOf) || (waiver.env !== undefined && waiver.env !== env)) return;
      result.push({
        policy: policy.name,
        env,
        queue: waiver.queue,
        check: 'waiver',
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
