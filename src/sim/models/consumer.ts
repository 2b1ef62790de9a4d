import { dispositionOf, type Outcome } from '../../engine/outcome.js';
import { InjectedCrash } from '../faults.js';
import type { Scheduler } from '../scheduler.js';
import type { ConsumerSpec } from '../scenario-types.js';
import type { FailureAction, Receipt, Recorder, SimBroker } from './broker.js';

export const DEFAULT_PROCESSES = 2;
export const DEFAULT_RESTART_MS = 10_000;

interface Process {
  index: number;
  alive: boolean;
  inFlight: Set<Receipt>;
}

/** Runs the engine's handler for one delivery; `alive` lets a dead process stop at its next step. */
export type RunHandler = (receipt: Receipt, attempt: number, alive: () => boolean) => Promise<Outcome>;

/**
 * Consumer processes sharing the queue, each handling `concurrency` messages at once. What a failure
 * becomes is the framework's choice:
 * - `engine` (this project's adapters): retry is the broker's job → reject (RabbitMQ) / leave (SQS);
 * - `spring-amqp`: listener retry in the process (maxAttempts, backoff), then reject without
 *   requeue; without listener retry, requeue when `requeueRejected` (Spring's default) else reject;
 * - `spring-cloud-aws-2`: leave it for the redrive policy, or delete it when the queue has none.
 * A crash kills the process: the broker takes its unacknowledged messages back its own way.
 */
export class ConsumerGroup {
  private readonly processes: Process[] = [];
  private readonly framework: NonNullable<ConsumerSpec['framework']>;

  constructor(
    private readonly spec: ConsumerSpec,
    private readonly broker: SimBroker,
    private readonly scheduler: Scheduler,
    private readonly recorder: Recorder,
    private readonly runHandler: RunHandler,
  ) {
    this.framework = spec.framework ?? 'engine';
  }

  get size(): number {
    return this.spec.processes ?? DEFAULT_PROCESSES;
  }

  start(): void {
    for (let index = 0; index < this.size; index++) this.startProcess(index);
  }

  private startProcess(index: number): void {
    const process: Process = { index, alive: true, inFlight: new Set() };
    this.processes[index] = process;
    for (let slot = 0; slot < (this.spec.concurrency ?? 1); slot++) void this.loop(process);
  }

  private async loop(process: Process): Promise<void> {
    while (process.alive) {
      const receipt = this.broker.receive(process.index);
      if (!receipt) {
        await this.broker.waitForMessage();
        continue;
      }
      process.inFlight.add(receipt);
      this.recorder.event('deliver', receipt.message.office, `delivery ${receipt.deliveryCount} to consumer ${process.index}`, receipt.message, receipt.deliveryCount);
      await this.consume(process, receipt);
      process.inFlight.delete(receipt);
    }
  }

  private async consume(process: Process, receipt: Receipt): Promise<void> {
    const retry = this.framework === 'spring-amqp' ? this.spec.retry : undefined;
    const maxAttempts = retry?.maxAttempts ?? 1;
    for (let attempt = 1; ; attempt++) {
      let outcome: Outcome;
      try {
        outcome = await this.runHandler(receipt, attempt, () => process.alive);
      } catch (error) {
        if (error instanceof InjectedCrash) {
          if (!process.alive) return; // it stopped because its process had already gone
          this.recorder.event('crash', receipt.message.office, `consumer ${process.index}: ${error.message}`, receipt.message, receipt.deliveryCount);
          this.kill(process, 'crash', error.message);
          this.scheduler.after(this.spec.restartMs ?? DEFAULT_RESTART_MS, 'consumer.restart', () => this.revive(process.index));
          return;
        }
        // An exception the handler does not classify: a listener failure, retried like any other.
        outcome = { kind: 'unavailable', reason: `handler threw: ${(error as Error).message}` };
      }
      if (!process.alive) return; // died meanwhile: the broker already took the message back
      const disposition = dispositionOf(outcome);
      if (disposition === 'ack') {
        this.broker.ack(receipt);
        return;
      }
      const reason = outcome.kind === 'conflict' || outcome.kind === 'unavailable' || outcome.kind === 'invalid' ? `${outcome.kind}: ${outcome.reason}` : outcome.kind;
      if (disposition === 'retry' && attempt < maxAttempts) {
        const interval = backoffMs(retry!, attempt);
        this.recorder.event('retry', receipt.message.office, () => `listener retry ${attempt + 1}/${maxAttempts} in ${interval} ms`, receipt.message, receipt.deliveryCount);
        await this.scheduler.sleep(interval);
        if (!process.alive) return;
        continue;
      }
      this.broker.fail(receipt, this.failureAction(disposition === 'retry'), reason);
      return;
    }
  }

  private failureAction(retryable: boolean): FailureAction {
    if (this.broker.kind === 'sqs') {
      if (this.framework === 'spring-cloud-aws-2' && !this.broker.hasDeadLetterTarget) return 'delete';
      return 'leave';
    }
    if (this.framework === 'spring-amqp' && !this.spec.retry && retryable && this.spec.requeueRejected === true) return 'requeue';
    return 'reject';
  }

  private kill(process: Process, kind: 'crash' | 'consumer-lost', detail: string): void {
    if (!process.alive) return;
    process.alive = false;
    if (kind === 'consumer-lost') this.recorder.event(kind, null, `consumer ${process.index}: ${detail}`);
    for (const receipt of process.inFlight) this.broker.release(receipt);
    process.inFlight.clear();
  }

  private revive(index: number): void {
    if (this.processes[index]?.alive) return;
    this.recorder.event('consumer-back', null, `consumer ${index} started`);
    this.startProcess(index);
  }

  /** The "consumer process lost" fault: gone, and back after `forMs` if given. */
  lose(index: number, forMs: number | null): void {
    const process = this.processes[index % this.size];
    if (!process) return;
    this.kill(process, 'consumer-lost', forMs === null ? 'lost for good' : `lost for ${forMs} ms`);
    if (forMs !== null) this.scheduler.after(forMs, 'consumer.back', () => this.revive(process.index));
  }
}

/** Spring Boot's `spring.rabbitmq.listener.simple.retry.max-interval` default: the back-off never exceeds 10 s. */
export const SPRING_DEFAULT_MAX_INTERVAL_MS = 10_000;

/** Spring Retry's exponential backoff: initial × multiplier^(attempt−1), capped at maxInterval (default 10 s). */
export function backoffMs(retry: NonNullable<ConsumerSpec['retry']>, attempt: number): number {
  const raw = retry.initialIntervalMs * (retry.multiplier ?? 1) ** (attempt - 1);
  return Math.min(raw, retry.maxIntervalMs ?? SPRING_DEFAULT_MAX_INTERVAL_MS);
}
