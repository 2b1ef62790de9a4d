import type { Environment, Policy } from '../../src/policy/types.js';
import type { ConsumerRetry, Origin, QueueSettings, Setting } from '../../src/sources/queue-settings.js';

/** Hand-built QueueSettings for table-driven tests: a healthy work queue, then overrides. */
export function setting<T>(value: NoInfer<T> | null, origin: Origin = 'policy', detail = 'esr-retry'): Setting<T> {
  return { value, from: { source: 'test', origin, detail } };
}

export const unknown = <T>(): Setting<T> => ({ value: null, unknown: true, from: { source: 'terraform-plan', origin: 'file', detail: 'aws_sqs_queue.commands' } });

export function rabbitQueue(overrides: Partial<QueueSettings> = {}): QueueSettings {
  return {
    broker: 'rabbitmq',
    name: 'esr.queue.appfilegenerationcommand',
    id: '//esr.queue.appfilegenerationcommand',
    vhost: '/',
    brokerVersion: '3.10.8',
    role: 'work',
    queueType: 'quorum',
    maxDeliveries: setting<number | 'unlimited'>(21),
    deadLetterTarget: setting({ kind: 'exchange' as const, name: 'esr.dlx', resolvedQueues: ['esr.dlq'] }),
    retryDelaySeconds: setting(5),
    visibilityTimeoutSeconds: setting<number>(null, 'broker-default'),
    retentionSeconds: setting<number>(null, 'broker-default'),
    messageTtlSeconds: setting<number>(null, 'broker-default'),
    ...overrides,
  };
}

export function sqsQueue(overrides: Partial<QueueSettings> = {}): QueueSettings {
  const name = overrides.name ?? 'esr-commands';
  return {
    broker: 'sqs',
    name,
    id: `https://sqs.eu-west-2.amazonaws.com/123456789012/${name}`,
    role: 'work',
    queueType: 'standard',
    maxDeliveries: setting<number | 'unlimited'>(20, 'attribute', 'RedrivePolicy'),
    deadLetterTarget: setting({ kind: 'queue' as const, name: 'arn:aws:sqs:eu-west-2:123456789012:esr-dlq' }, 'attribute', 'RedrivePolicy'),
    retryDelaySeconds: setting(2, 'attribute', 'DelaySeconds'),
    visibilityTimeoutSeconds: setting(120, 'attribute', 'VisibilityTimeout'),
    retentionSeconds: setting(345_600, 'attribute', 'MessageRetentionPeriod'),
    messageTtlSeconds: setting<number>(null, 'broker-default'),
    ...overrides,
  };
}

export function sqsDlq(overrides: Partial<QueueSettings> = {}): QueueSettings {
  return sqsQueue({
    name: 'esr-dlq',
    role: 'dead-letter',
    maxDeliveries: setting<number | 'unlimited'>(null, 'broker-default'),
    deadLetterTarget: setting(null, 'broker-default'),
    retentionSeconds: setting(1_209_600, 'attribute', 'MessageRetentionPeriod'),
    ...overrides,
  });
}

export function consumer(overrides: Partial<ConsumerRetry> = {}): ConsumerRetry {
  return {
    enabled: true,
    maxAttempts: 15,
    initialIntervalMs: 1000,
    multiplier: 1.5,
    maxIntervalMs: 10_000,
    requeueRejected: false,
    deletesOnFailureWithoutRedrive: false,
    from: { source: 'consumer-config', origin: 'consumer-config', file: 'application.yml' },
    ...overrides,
  };
}

export function policy(overrides: Partial<Policy> = {}): Policy {
  return {
    name: 'esr-export-commands',
    appliesTo: ['export-commands'],
    selectors: [],
    checks: {
      retryBudget: { minDeliveries: 13, maxDeliveries: 100, severity: 'error' },
      retryDelay: { minSeconds: 1, severity: 'warning' },
      deadLetter: { required: true, severity: 'error' },
    },
    file: 'policies/esr-export-commands.yaml',
    checkLines: { retryBudget: 5, retryDelay: 6, deadLetter: 7 },
    appliesToLines: [3],
    waiverLines: [],
    ...overrides,
  };
}

export function environment(name: string, queues: Record<string, string>): Environment {
  return {
    name,
    file: `policies/environments/${name}.yaml`,
    rabbitmq: { managementUrl: 'http://127.0.0.1:15672', vhost: '/' },
    queues: Object.fromEntries(Object.entries(queues).map(([logical, real]) => [logical, { name: real }])),
    queueLines: Object.fromEntries(Object.keys(queues).map((logical, index) => [logical, 8 + index])),
  };
}
