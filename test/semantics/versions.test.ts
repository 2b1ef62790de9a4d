import { describe, expect, it } from 'vitest';
import {
  countsTowardsDeliveryLimit,
  defaultDeliveryLimit,
  deliveriesAllowed,
  deliveryLimitFor,
  isPastDeliveryLimit,
  majorVersion,
  parseVersion,
} from '../../src/semantics/rabbitmq/versions.js';

describe('RabbitMQ version rules (3.x established here; 4.x cited in docs/rabbitmq.md)', () => {
  it.each([
    ['3.10.8', { major: 3, minor: 10 }],
    ['3.13', { major: 3, minor: 13 }],
    [4, { major: 4, minor: 0 }],
    ['4.3.0-rc.1', { major: 4, minor: 3 }],
    ['unknown', null],
    [null, null],
  ] as const)('parseVersion(%j) = %j', (version, expected) => {
    expect(parseVersion(version)).toEqual(expected);
    expect(majorVersion(version)).toBe(expected?.major ?? null);
  });

  it.each([
    ['3.13.7', null],
    ['4.0.5', 20],
    [4, 20],
    [null, 'unknown'],
  ] as const)('quorum delivery-limit default on %j: %j', (version, expected) => {
    expect(defaultDeliveryLimit(version)).toBe(expected);
  });

  it.each([
    ['3.10.8', 'reject', true],
    ['3.10.8', 'nack', true],
    ['3.10.8', 'returned', true],
    ['4.2.3', 'nack', true],
    ['4.2.3', 'returned', true],
    ['4.3.0', 'reject', true],
    ['4.3.0', 'nack', false],
    ['4.3.0', 'returned', false],
    ['5.0.0', 'nack', false],
  ] as const)('on %s a %s counts towards the limit: %s', (version, settlement, counts) => {
    expect(countsTowardsDeliveryLimit(version, settlement)).toBe(counts);
  });

  it('limit L allows L + 1 deliveries (0 → 1); a negative limit is no limit since 4.0; deliveryLimitFor inverts it', () => {
    expect([0, 3, 20].map((limit) => deliveriesAllowed(limit, '3.10.8'))).toEqual([1, 4, 21]);
    expect(deliveriesAllowed(-1, '4.1.0')).toBe('unlimited');
    expect(deliveriesAllowed(-1, '3.13.0')).toBe(1);
    for (const deliveries of [1, 5, 21]) expect(deliveriesAllowed(deliveryLimitFor(deliveries), '3.10.8')).toBe(deliveries);
    expect([isPastDeliveryLimit(3, 3), isPastDeliveryLimit(4, 3)]).toEqual([false, true]);
  });
});
