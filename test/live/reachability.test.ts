import { describe, expect, it } from 'vitest';
import { describeReachability, probeRabbitMq } from '../../src/live/reachability.js';
import { closedPort } from '../support/rabbitmq-management.js';

const AMQP = 'amqp://guest:guest@127.0.0.1:5672';
const MANAGEMENT = 'http://127.0.0.1:15672';

describe('RabbitMQ reachability: AMQP and the management API probed apart (the real broker)', () => {
  it('both answer', async () => {
    const r = await probeRabbitMq(AMQP, MANAGEMENT);
    expect([r.amqp.ok, r.management.ok]).toEqual([true, true]);
    expect(describeReachability(r)).toBe('RabbitMQ: AMQP at amqp://127.0.0.1:5672 answers; the management API at http://127.0.0.1:15672 answers');
  });

  it('AMQP answers while the management API does not: says which one is missing', async () => {
    const port = await closedPort();
    const r = await probeRabbitMq(AMQP, `http://127.0.0.1:${port}`);
    expect(r.amqp.ok).toBe(true);
    expect(r.management.ok).toBe(false);
    expect(describeReachability(r)).toBe(
      `RabbitMQ: AMQP at amqp://127.0.0.1:5672 answers; the management API at http://127.0.0.1:${port} does not answer (connection refused (ECONNREFUSED))`,
    );
  });

  it('the management API answers while AMQP does not; wrong credentials are not "answers"', async () => {
    const port = await closedPort();
    const r = await probeRabbitMq(`amqp://guest:guest@127.0.0.1:${port}`, 'http://nobody:wrong@127.0.0.1:15672');
    expect(r.amqp).toMatchObject({ ok: false, detail: 'connection refused (ECONNREFUSED)' });
    expect(r.management.ok).toBe(false);
    expect(r.management.detail).toMatch(/HTTP 401/);
    expect(describeReachability(r)).not.toMatch(/wrong|nobody/); // credentials never in output
  });
});
