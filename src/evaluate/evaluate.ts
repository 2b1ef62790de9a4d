import type { CheckName, Checks, Policy } from '../policy/types.js';
import type { QueueSettings } from '../sources/queue-settings.js';
import type { LoadedEnvironment } from './bind.js';
import { CHECKS, type Check, type CheckContext, type Verdict } from './checks/index.js';
import { describeProvenance } from './effective.js';
import { parityFindings } from './parity.js';
import { fixFor, type Wanted } from './remediation.js';
import { buildReport, type Finding, type Report } from './report.js';
import { applyWaivers } from './waivers.js';

export interface EvaluationInput {
  policies: readonly Policy[];
  target: LoadedEnvironment;
  /** With a baseline, every retry/redrive setting the target lost or weakened is a finding too. */
  baseline?: LoadedEnvironment;
  /** Today, YYYY-MM-DD: waivers expire against it. */
  asOf: string;
  /** Findings made elsewhere (proofs by simulation) that belong in the same report. */
  extraFindings?: readonly Finding[];
}

/** What a fix must set for a failed check: the policy's own minimums. */
function wantedFor(checks: Checks, name: CheckName): Wanted {
  switch (name) {
    case 'retryBudget':
      return { maxDeliveries: checks.retryBudget?.minDeliveries ?? 1, deadLetter: true };
    case 'retryDelay':
      return { retryDelaySeconds: checks.retryDelay?.minSeconds ?? 1 };
    case 'deadLetter':
      return { deadLetter: true };
    case 'visibilityTimeout': {
      const config = checks.visibilityTimeout;
      return { visibilityTimeoutSeconds: Math.ceil((config?.minHandlerTimeMultiple ?? 1) * (config?.handlerTimeSeconds ?? 30)) };
    }
    case 'consumerRetry': {
      // A loss on failure is fixed on the queue (a dead-letter path); attempts and requeue in the consumer.
      const config = checks.consumerRetry;
      return {
        deadLetter: config?.noLossOnFailure !== false,
        ...(config?.maxAttempts === undefined ? {} : { consumerAttempts: config.maxAttempts }),
        ...(config?.requeueRejected === undefined ? {} : { consumerRequeueRejected: config.requeueRejected }),
      };
    }
  }
}

function runCheck<Name extends CheckName>(name: Name, config: NonNullable<Checks[Name]>, queue: QueueSettings, context: CheckContext): Verdict | null {
  return (CHECKS[name] as Check<NonNullable<Checks[Name]>>)(queue, config, context);
}

function policyFindings(policy: Policy, loaded: LoadedEnvironment): Finding[] {
  const env = loaded.environment;
  const findings: Finding[] = [];
  policy.appliesTo.forEach((logical, index) => {
    const base = { policy: policy.name, env: env.name, queue: logical };
    const binding = env.queues[logical];
    if (!binding) {
      findings.push({
        ...base,
        check: 'binding',
        severity: 'error',
        status: 'error',
        expected: `environment ${env.name} binds ${logical}`,
        actual: 'not bound',
        message: `policy ${policy.name} applies to '${logical}' but ${env.file} does not bind it under queues:`,
        source: env.file,
        location: { file: policy.file, line: policy.appliesToLines[index] ?? 1 },
      });
      return;
    }
    const bound = loaded.bound.get(logical);
    if (!bound) {
      findings.push({
        ...base,
        check: 'exists',
        severity: 'error',
        status: 'fail',
        expected: `queue ${binding.name} exists`,
        actual: 'not found',
        message: `queue ${binding.name} (bound to '${logical}') was not found by any source of environment ${env.name}`,
        source: env.file,
        location: { file: env.file, line: env.queueLines[logical] ?? 1 },
        fix: `# declare ${binding.name} (esr-export declares its topology at start), or correct queues.${logical}.name in ${env.file}`,
      });
      return;
    }
    const before = findings.length;
    for (const name of Object.keys(policy.checks) as CheckName[]) {
      const config = policy.checks[name];
      if (!config) continue;
      const verdict = runCheck(name, config, bound.settings, { queues: loaded.queues });
      if (!verdict) continue;
      findings.push({
        ...base,
        check: name,
        severity: config.severity,
        status: verdict.status,
        expected: verdict.expected,
        actual: verdict.actual,
        message: verdict.message,
        source: `${bound.source}: ${describeProvenance(verdict.from)}`,
        queueId: bound.settings.id,
        ...(bound.settings.location ? { queueLocation: bound.settings.location } : {}),
        location: { file: policy.file, line: policy.checkLines[name] ?? 1 },
        ...(verdict.status === 'pass' ? {} : { fix: fixFor(bound.settings, wantedFor(policy.checks, name)) }),
      });
    }
    if (findings.length === before) {
      // Role-aware checks all stood aside (e.g. a dead-letter queue): still show that it was found.
      findings.push({
        ...base,
        check: 'exists',
        severity: 'error',
        status: 'pass',
        expected: `queue ${binding.name} exists`,
        actual: `exists (role ${bound.settings.role}: no check of ${policy.name} applies)`,
        message: `${bound.settings.id} exists; as a ${bound.settings.role} queue none of the policy's checks apply to it`,
        source: bound.source,
        queueId: bound.settings.id,
        ...(bound.settings.location ? { queueLocation: bound.settings.location } : {}),
        location: { file: policy.file, line: policy.appliesToLines[index] ?? 1 },
      });
    }
  });
  return findings;
}

/** Policies × bound queues → findings, then parity, then waivers: one report, one exit code. */
export function evaluate(input: EvaluationInput): Report {
  const env = input.target.environment.name;
  const findings = [
    ...input.policies.flatMap((policy) => policyFindings(policy, input.target)),
    ...(input.baseline ? parityFindings(input.baseline, input.target) : []),
    ...(input.extraFindings ?? []),
  ];
  return buildReport(env, input.baseline?.environment.name, applyWaivers(findings, input.policies, env, input.asOf));
}
