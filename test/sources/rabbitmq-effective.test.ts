/** The pure parts of the RabbitMQ sources: policy matching, version defaults, routing, roles. */
import { describe, expect, it } from 'vitest';
import { effectiveSettings, matchPolicy, type RabbitPolicy, type RabbitQueue } from '../../src/semantics/rabbitmq/effective.js';
import { ANY_KEY, RoutingTable, topicMatches } from '../../src/semantics/rabbitmq/routing.js';
import { rabbitQueueSettings } from '../../src/sources/rabbitmq-topology.js';

const queue = (name: string, type: RabbitQueue['type'] = 'quorum', args: Record<string, unknown> = {}): RabbitQueue => ({ name, vhost: '/', type, arguments: args });
const policy = (name: string, pattern: string, definition: Record<string, unknown>, priority = 0, applyTo = 'queues'): RabbitPolicy => ({
  name,
  pattern,
  definition,
  priority,
  applyTo,
});
const ctx = (version: string | null) => ({ source: 'test', version });

describe('matchPolicy', () => {
  it.each([
    ['queues', 'classic', true],
    ['all', 'stream', true],
    ['exchanges', 'quorum', false],
    ['classic_queues', 'classic', true],
    ['classic_queues', 'quorum', false],
    ['quorum_queues', 'quorum', true],
    ['streams', 'classic', false],
  ] as const)('apply-to %s on a %s queue applies: %s', (applyTo, type, applies) => {
    expect(matchPolicy(queue('q', type), [policy('p', '^q$', {}, 0, applyTo)])?.policy.name ?? null).toBe(applies ? 'p' : null);
  });

  it('takes the highest priority; the pattern is a regex on the name, unanchored', () => {
    const policies = [policy('low', 'q', {}, 1), policy('high', '^esr\\.', {}, 9), policy('other', '^x', {}, 99)];
    expect(matchPolicy(queue('esr.q'), policies)).toEqual({ policy: policies[1], tiedWith: [] });
  });

  it('a tie follows the broker report when it names one of the tied, else the first by name', () => {
    const policies = [policy('b', '.*', {}, 3), policy('a', '.*', {}, 3)];
    expect(matchPolicy(queue('q'), policies)).toMatchObject({ policy: { name: 'a' }, tiedWith: ['b'] });
    expect(matchPolicy(queue('q'), policies, 'b')).toMatchObject({ policy: { name: 'b' }, tiedWith: ['a'] });
  });

  it('a pattern JavaScript cannot compile matches nothing', () => {
    expect(matchPolicy(queue('q'), [policy('bad', '(?<', {})])).toBeNull();
  });
});

describe('effectiveSettings: deliveries by type and version', () => {
  it.each([
    ['quorum', '3.10.8', {}, 'unlimited', 'broker-default'],
    ['quorum', '4.0.5', {}, 21, 'broker-default'],
    ['quorum', '4.1.0', { 'x-delivery-limit': -1 }, 'unlimited', 'x-argument'],
    ['quorum', '3.13.0', { 'x-delivery-limit': 0 }, 1, 'x-argument'],
    ['quorum', '3.13.0', { 'x-delivery-limit': '5' }, 6, 'x-argument'],
    ['classic', '4.0.5', { 'x-delivery-limit': 5 }, 'unlimited', 'broker-default'],
    ['stream', '3.13.0', {}, null, 'broker-default'],
  ] as const)('%s on %s with %j: %s (%s)', (type, version, args, value, origin) => {
    expect(effectiveSettings(queue('q', type, args), [], [], ctx(version)).maxDeliveries).toMatchObject({ value, from: { origin } });
  });

  it('an unknown version without a delivery-limit is unknown, not a guess', () => {
    expect(effectiveSettings(queue('q'), [], [], ctx(null)).maxDeliveries).toMatchObject({ value: null, unknown: true });
  });

  it('an operator policy alone sets the value', () => {
    const settings = effectiveSettings(queue('q'), [], [policy('op', '.*', { 'delivery-limit': 4, 'message-ttl': 1000 })], ctx('3.10.8'));
    expect(settings.maxDeliveries).toMatchObject({ value: 5, from: { origin: 'operator-policy', detail: 'op' } });
    expect(settings.messageTtlMs.value).toBe(1000);
  });
});

describe('routing', () => {
  it.each([
    ['esr.#', 'esr', true],
    ['esr.#', 'esr.a.b', true],
    ['esr.*', 'esr.a.b', false],
    ['*.created', 'apprecord.created', true],
    ['#', '', true],
    ['a.#.z', 'a.z', true],
    ['a.*.z', 'a.z', false],
  ])('topic %s matches %s: %s', (pattern, key, matches) => {
    expect(topicMatches(pattern, key)).toBe(matches);
  });

  it('follows exchange-to-exchange bindings and survives cycles', () => {
    const table = new RoutingTable(
      ['q1', 'q2'],
      [
        { name: 'x', type: 'direct' },
        { name: 'y', type: 'topic' },
      ],
      [
        { source: 'x', destination: 'y', destinationType: 'exchange', routingKey: 'k' },
        { source: 'y', destination: 'x', destinationType: 'exchange', routingKey: '#' },
        { source: 'y', destination: 'q1', destinationType: 'queue', routingKey: 'k' },
        { source: 'x', destination: 'q2', destinationType: 'queue', routingKey: 'other' },
      ],
    );
    expect(table.route('x', ['k'])).toEqual(['q1']);
    expect(table.route('x', [ANY_KEY])).toEqual(['q1', 'q2']);
    expect(table.route('missing', ['k'])).toEqual([]);
    expect(table.route('', ['q2'])).toEqual(['q2']);
    expect(table.route('amq.fanout', ['k'])).toEqual([]);
  });
});

describe('roles', () => {
  const topology = (queues: RabbitQueue[], bindings: { source: string; destination: string }[] = []) =>
    rabbitQueueSettings(
      {
        vhost: 'v',
        version: '3.10.8',
        queues,
        exchanges: [{ name: 'dlx', type: 'fanout' }, { name: 'retry', type: 'fanout' }],
        bindings: bindings.map((b) => ({ ...b, destinationType: 'queue' as const, routingKey: '' })),
        policies: [],
        operatorPolicies: [],
      },
      { source: 'test' },
    );
  const roles = (settings: ReturnType<typeof topology>) => Object.fromEntries(settings.map((q) => [q.name, q.role]));

  it('a work queue whose expired messages go to a DLQ is not a wait queue', () => {
    const settings = topology([queue('work', 'classic', { 'x-message-ttl': 60_000, 'x-dead-letter-exchange': 'dlx' }), queue('dlq', 'classic')], [{ source: 'dlx', destination: 'dlq' }]);
    expect(roles(settings)).toEqual({ work: 'work', dlq: 'dead-letter' });
    expect(settings[0]?.retentionSeconds.value).toBe(60);
  });

  it('the delayed-retry pattern: work → wait (TTL) → back to work; final failures to a DLQ', () => {
    const settings = topology(
      [
        queue('work', 'quorum', { 'x-dead-letter-exchange': 'retry', 'x-delivery-limit': 20 }),
        queue('wait', 'classic', { 'x-message-ttl': 2500, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'work' }),
        queue('parking', 'classic'),
      ],
      [{ source: 'retry', destination: 'wait' }],
    );
    expect(roles(settings)).toEqual({ work: 'work', wait: 'wait', parking: 'work' });
    expect(settings.find((q) => q.name === 'work')?.retryDelaySeconds).toMatchObject({ value: 2.5, from: { detail: expect.stringMatching(/^wait queue wait/) } });
  });
});
