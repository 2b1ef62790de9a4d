/**
 * What changes with the RabbitMQ version: the quorum delivery-limit default and which settlements
 * count towards it. 3.x is established on the 3.10.8 broker here (test/semantics/rabbitmq-matrix.test.ts);
 * the 4.x rules are cited in docs/rabbitmq.md ("Version rules").
 */
export interface BrokerVersion {
  major: number;
  minor: number;
}

/** `3.10.8`, `"3.13"`, `4`, … → {major, minor}; null when the source cannot tell. */
export function parseVersion(version: string | number | null | undefined): BrokerVersion | null {
  if (version === null || version === undefined) return null;
  const match = /^(\d+)(?:\.(\d+))?/.exec(String(version).trim());
  if (match === null) return null;
  return { major: Number(match[1]), minor: match[2] === undefined ? 0 : Number(match[2]) };
}

export function majorVersion(version: string | number | null | undefined): number | null {
  return parseVersion(version)?.major ?? null;
}

/** RabbitMQ 4.0 gave quorum queues a delivery-limit of 20 when none is set (4.0.0 release notes); 3.x had none. */
export const QUORUM_DEFAULT_DELIVERY_LIMIT_SINCE_4_0 = 20;

/**
 * The quorum delivery-limit that applies when neither argument nor policy sets one: 20 since 4.0,
 * null (no limit) before; 'unknown' when the version is unknown (fail closed: the checks say so).
 */
export function defaultDeliveryLimit(version: string | number | null | undefined): number | null | 'unknown' {
  const parsed = parseVersion(version);
  if (parsed === null) return 'unknown';
  return parsed.major >= 4 ? QUORUM_DEFAULT_DELIVERY_LIMIT_SINCE_4_0 : null;
}

/**
 * How a consumer gives a message back: `reject` (basic.reject requeue=true), `nack` (basic.nack
 * requeue=true), `returned` (its channel or connection closed with the message unacknowledged).
 */
export type Settlement = 'reject' | 'nack' | 'returned';

/**
 * Whether a requeue increments the quorum queue's delivery count. Up to 4.2 every return counted
 * (established on 3.10 for reject, nack and a closed channel). 4.3 counts delivery-count instead of
 * acquired-count and only basic.reject increments it (rabbitmq-server#15387, discussion #18226).
 */
export function countsTowardsDeliveryLimit(version: string | number | null | undefined, settlement: Settlement): boolean {
  const parsed = parseVersion(version);
  const since43 = parsed !== null && (parsed.major > 4 || (parsed.major === 4 && parsed.minor >= 3));
  return since43 ? settlement === 'reject' : true;
}

/**
 * A quorum queue dead-letters a message when its count exceeds the limit: limit + 1 deliveries
 * (established on 3.10: limit 0 → 1 delivery). A negative limit means no limit since 4.0.
 */
export function deliveriesAllowed(limit: number, version: string | number | null | undefined): number | 'unlimited' {
  if (limit < 0 && (majorVersion(version) ?? 0) >= 4) return 'unlimited';
  return Math.max(0, limit) + 1;
}

/** A quorum queue dead-letters a message whose delivery count (returns so far) exceeds the limit. */
export function isPastDeliveryLimit(deliveryCount: number, limit: number): boolean {
  return deliveryCount > limit;
}

/** The delivery-limit that allows exactly `maxDeliveries` deliveries (the inverse of deliveriesAllowed). */
export function deliveryLimitFor(maxDeliveries: number): number {
  return Math.max(0, maxDeliveries - 1);
}
