/**
 * The broker conformance suite: one contract, run against every Broker implementation
 * (RabbitMQ with each retry mechanism, SQS on the local endpoint). It waits on a spy for
 * "message X was handled" instead of sleeping, and counts deliveries per commandId.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, Consumption, ConsumeOptions, Delivery, RetryConfig } from '../../src/engine/broker.js';
import type { ExportCommand } from '../../src/domain/command.js';
import type { Outcome } from '../../src/engine/outcome.js';

export interface BrokerUnderTest {
  broker: Broker;
  /**
   * Queue depths as the broker reports them, read after consumption stopped. `work` counts every
   * message still due to be handled (including any waiting for a retry delay).
   */
  depth(): Promise<{ work: number; deadLetter: number }>;
  /** Deletes what `open` created, and every queue whose name starts with HOLDING_QUEUE_PREFIX. */
  cleanup(): Promise<void>;
  /** Whether the broker has a queue of this name (to see that no empty holding queue was made). */
  queueExists(name: string): Promise<boolean>;
}

/** Holding queues the suite asks `replay` to create (no dots: SQS names cannot contain them). */
export const HOLDING_QUEUE_PREFIX = 'esr-dlq-contract-';

export const CONFLICT_REASON = 'counter version conflict (contract)';
export const INVALID_REASON = 'unknown local office (contract)';

const BUDGET: RetryConfig = { mode: 'budget', maxDeliveries: 3, delayMs: 50 };
const WAIT_MS = 15_000;

export function command(tag: string): ExportCommand {
  const id = `${tag}-${randomUUID().slice(0, 8)}`;
  return { commandId: id, type: 'APP', localOffice: 'LDN', runDate: '2021-07-31', correlationId: `corr-${id}` };
}

const exported: Outcome = { kind: 'exported', fileName: 'DE_LDN_APP_20210731_00000001.DAT', recordCount: 1, sequence: 1, resumed: false };

/**
 * A scripted handler: each command answers `conflict` (or `invalid`) a chosen number of times,
 * then `exported`. Every delivery is recorded, per commandId.
 */
export class ScriptedHandler {
  readonly deliveries = new Map<string, Delivery[]>();
  readonly succeeded = new Set<string>();
  private readonly failures = new Map<string, { kind: 'conflict' | 'invalid'; times: number }>();
  private concurrent = 0;
  maxConcurrent = 0;

  constructor(private readonly workMs = 0) {}

  fail(commandId: string, kind: 'conflict' | 'invalid', times = Infinity): this {
    this.failures.set(commandId, { kind, times });
    return this;
  }

  readonly handle = async (delivery: Delivery): Promise<Outcome> => {
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      const id = (JSON.parse(delivery.body) as ExportCommand).commandId;
      const seen = [...(this.deliveries.get(id) ?? []), delivery];
      this.deliveries.set(id, seen);
      if (this.workMs > 0) await new Promise((resolve) => setTimeout(resolve, this.workMs));
      const failure = this.failures.get(id);
      if (failure && seen.length <= failure.times) {
        return failure.kind === 'conflict' ? { kind: 'conflict', reason: CONFLICT_REASON } : { kind: 'invalid', reason: INVALID_REASON };
      }
      this.succeeded.add(id);
      return exported;
    } finally {
      this.concurrent -= 1;
    }
  };

  countOf(commandId: string): number {
    return this.deliveries.get(commandId)?.length ?? 0;
  }
}

/** Polls until `condition` holds, or fails with `what` after the deadline. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function brokerContract(name: string, open: (retry: RetryConfig) => Promise<BrokerUnderTest>): void {
  describe(`Broker contract: ${name}`, () => {
    const opened: BrokerUnderTest[] = [];
    const running: Consumption[] = [];

    afterEach(async () => {
      await Promise.allSettled(running.splice(0).map((consumption) => consumption.stop()));
      for (const under of opened.splice(0)) {
        await under.cleanup();
        await under.broker.close();
      }
    });

    async function start(retry: RetryConfig = BUDGET): Promise<BrokerUnderTest> {
      const under = await open(retry);
      opened.push(under);
      await under.broker.setup();
      return under;
    }

    async function consume(under: BrokerUnderTest, handler: ScriptedHandler, options: ConsumeOptions = {}): Promise<Consumption> {
      const consumption = await under.broker.consume(handler.handle, { prefetch: 4, ...options });
      running.push(consumption);
      return consumption;
    }

    it('handles a burst of commands and acks each success exactly once', async () => {
      const under = await start();
      const burst = Array.from({ length: 25 }, (_, i) => command(`burst${i}`));
      await Promise.all(burst.map((c) => under.broker.publish(c)));
      const handler = new ScriptedHandler();
      const consumption = await consume(under, handler);
      await waitFor('every command handled', () => handler.succeeded.size === burst.length);
      await consumption.stop();
      for (const c of burst) expect(handler.countOf(c.commandId), c.commandId).toBe(1);
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
    });

    it('delivers a conflicting command exactly per budget, counting 1, 2, 3, then dead-letters it with reason and death count', async () => {
      const under = await start(BUDGET);
      const [doomed, recovers, fine] = [command('doomed'), command('recovers'), command('fine')];
      for (const c of [doomed, recovers, fine]) await under.broker.publish(c);
      const handler = new ScriptedHandler().fail(doomed.commandId, 'conflict').fail(recovers.commandId, 'conflict', 1);
      const consumption = await consume(under, handler);
      await waitFor('the doomed command in the DLQ', async () => (await under.depth()).deadLetter === 1);
      await waitFor('the others handled', () => handler.succeeded.has(recovers.commandId) && handler.succeeded.has(fine.commandId));
      await consumption.stop();

      expect(handler.deliveries.get(doomed.commandId)?.map((d) => d.deliveryCount)).toEqual([1, 2, 3]);
      expect(handler.deliveries.get(recovers.commandId)?.map((d) => d.deliveryCount)).toEqual([1, 2]);
      expect(handler.countOf(fine.commandId)).toBe(1);
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 1 });

      const [letter, ...rest] = await under.broker.deadLetters.list();
      expect(rest).toEqual([]);
      expect(letter?.messageId).toBe(doomed.commandId);
      expect(letter?.correlationId).toBe(doomed.correlationId);
      expect(JSON.parse(letter?.body ?? '{}')).toEqual(doomed);
      expect(letter?.deathCount).toBe(3);
      expect(letter?.sourceQueue).not.toBe('');
      const why = letter?.reason ?? '';
      // The budget and the last error, not the broker's bare `delivery_limit` / `maxReceiveCount`.
      expect(why).toBe(`delivery limit 3 reached: conflict: ${CONFLICT_REASON}`);
      // Peeking takes nothing away.
      expect(await under.broker.deadLetters.show(doomed.commandId)).toEqual(letter);
      expect(await under.broker.deadLetters.show('no-such-message')).toBeNull();
      expect((await under.depth()).deadLetter).toBe(1);
    });

    it('dead-letters an invalid command at once, with the handler’s reason', async () => {
      const under = await start(BUDGET);
      const invalid = command('invalid');
      await under.broker.publish(invalid);
      const handler = new ScriptedHandler().fail(invalid.commandId, 'invalid');
      const consumption = await consume(under, handler);
      await waitFor('the invalid command in the DLQ', async () => (await under.depth()).deadLetter === 1);
      await consumption.stop();
      expect(handler.countOf(invalid.commandId)).toBe(1);
      const letter = await under.broker.deadLetters.show(invalid.commandId);
      expect(letter?.reason).toContain(INVALID_REASON);
      expect(letter?.deathCount).toBe(1);
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 1 });
    });

    it("with {mode:'none'} a conflicting command is gone: in neither queue (the 2021 loss, reproduced)", async () => {
      const under = await start({ mode: 'none' });
      const [lost, fine] = [command('lost'), command('fine')];
      for (const c of [lost, fine]) await under.broker.publish(c);
      const handler = new ScriptedHandler().fail(lost.commandId, 'conflict');
      const consumption = await consume(under, handler, { stopWhenIdleMs: 500 });
      await waitFor('both commands seen', () => handler.countOf(lost.commandId) === 1 && handler.succeeded.has(fine.commandId));
      await consumption.stopped;
      expect(handler.countOf(lost.commandId)).toBe(1);
      expect(handler.succeeded.has(lost.commandId)).toBe(false);
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
      expect(await under.broker.deadLetters.list()).toEqual([]);
    });

    for (const holding of [false, true]) {
      it(`replays the DLQ into the work queue ${holding ? 'through a dated holding queue' : 'directly'}, with a fresh budget`, async () => {
        const under = await start({ mode: 'budget', maxDeliveries: 2, delayMs: 50 });
        const doomed = [command('replay-a'), command('replay-b')];
        for (const c of doomed) await under.broker.publish(c);
        const failing = new ScriptedHandler();
        for (const c of doomed) failing.fail(c.commandId, 'conflict');
        const first = await consume(under, failing);
        await waitFor('both in the DLQ', async () => (await under.depth()).deadLetter === 2);
        await first.stop();

        const holdingQueue = holding ? `${HOLDING_QUEUE_PREFIX}${randomUUID().slice(0, 8)}` : undefined;
        const result = await under.broker.deadLetters.replay(holdingQueue ? { holdingQueue } : {});
        expect(result).toEqual({ replayed: 2, heldIn: holdingQueue ?? null });
        expect((await under.depth()).deadLetter).toBe(0);

        const fixed = new ScriptedHandler();
        const second = await consume(under, fixed);
        await waitFor('both replayed commands handled', () => doomed.every((c) => fixed.succeeded.has(c.commandId)));
        await second.stop();
        for (const c of doomed) expect(fixed.deliveries.get(c.commandId)?.map((d) => d.deliveryCount)).toEqual([1]);
        expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
      });
    }

    it('replay through a holding queue with an empty DLQ replays nothing and creates no holding queue', async () => {
      const under = await start();
      const holdingQueue = `${HOLDING_QUEUE_PREFIX}${randomUUID().slice(0, 8)}`;
      expect(await under.broker.deadLetters.replay({ holdingQueue })).toEqual({ replayed: 0, heldIn: null });
      expect(await under.queueExists(holdingQueue)).toBe(false);
    });

    it('a handler that throws is retried within the budget, then dead-lettered with the error: never dropped', async () => {
      const under = await start({ mode: 'budget', maxDeliveries: 2, delayMs: 50 });
      const c = command('throws');
      await under.broker.publish(c);
      let calls = 0;
      const consumption = await under.broker.consume(async () => {
        calls += 1;
        throw new Error('bug in the handler');
      });
      running.push(consumption);
      await waitFor('the command in the DLQ', async () => (await under.depth()).deadLetter === 1);
      await consumption.stop();
      expect(calls).toBe(2);
      const why = (await under.broker.deadLetters.show(c.commandId))?.reason ?? '';
      expect(why).toMatch(/^delivery limit \d+ reached: .*handler threw: bug in the handler/);
    });

    it('replays at most `limit` messages', async () => {
      const under = await start({ mode: 'budget', maxDeliveries: 1, delayMs: 50 });
      const doomed = [command('limit-a'), command('limit-b'), command('limit-c')];
      for (const c of doomed) await under.broker.publish(c);
      const failing = new ScriptedHandler();
      for (const c of doomed) failing.fail(c.commandId, 'conflict');
      const consumption = await consume(under, failing);
      await waitFor('all three in the DLQ', async () => (await under.depth()).deadLetter === 3);
      await consumption.stop();
      expect(await under.broker.deadLetters.replay({ limit: 2 })).toEqual({ replayed: 2, heldIn: null });
      expect(await under.depth()).toEqual({ work: 2, deadLetter: 1 });
    });

    it('lets several consumers share the queue, each command handled once', async () => {
      const under = await start();
      const burst = Array.from({ length: 16 }, (_, i) => command(`shared${i}`));
      await Promise.all(burst.map((c) => under.broker.publish(c)));
      const handler = new ScriptedHandler(40);
      const consumption = await consume(under, handler, { consumers: 4, prefetch: 1 });
      await waitFor('every command handled', () => handler.succeeded.size === burst.length);
      await consumption.stop();
      expect(handler.maxConcurrent).toBeGreaterThan(1);
      for (const c of burst) expect(handler.countOf(c.commandId)).toBe(1);
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
    });

    it('with one consumer and prefetch 1, handles one command at a time', async () => {
      const under = await start();
      const burst = Array.from({ length: 5 }, (_, i) => command(`serial${i}`));
      for (const c of burst) await under.broker.publish(c);
      const handler = new ScriptedHandler(20);
      const consumption = await consume(under, handler, { consumers: 1, prefetch: 1 });
      await waitFor('every command handled', () => handler.succeeded.size === burst.length);
      await consumption.stop();
      expect(handler.maxConcurrent).toBe(1);
    });

    it('carries messageId = commandId and the correlationId', async () => {
      const under = await start();
      const c = command('correlated');
      await under.broker.publish(c);
      const handler = new ScriptedHandler();
      const consumption = await consume(under, handler);
      await waitFor('the command handled', () => handler.succeeded.has(c.commandId));
      await consumption.stop();
      const [delivery] = handler.deliveries.get(c.commandId) ?? [];
      expect(delivery).toMatchObject({ messageId: c.commandId, correlationId: c.correlationId, deliveryCount: 1 });
      expect(JSON.parse(delivery?.body ?? '{}')).toEqual(c);
    });

    it('stops by itself when idle, and stop() lets in-flight work finish and be acked', async () => {
      const under = await start();
      const idle = await consume(under, new ScriptedHandler(), { stopWhenIdleMs: 200 });
      await idle.stopped;

      const slow = command('slow');
      await under.broker.publish(slow);
      const handler = new ScriptedHandler(300);
      const consumption = await consume(under, handler);
      await waitFor('the slow command in flight', () => handler.countOf(slow.commandId) === 1);
      await consumption.stop();
      expect(handler.succeeded.has(slow.commandId)).toBe(true);
      await consumption.stopped;
      expect(await under.depth()).toEqual({ work: 0, deadLetter: 0 });
    });
  });
}
