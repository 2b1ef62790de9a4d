import { SqsError, SqsModel } from '../../semantics/sqs/model.js';
import { SQS_DEFAULTS } from '../../semantics/sqs/queue-attributes.js';
import type { Scheduler } from '../scheduler.js';
import type { SqsBrokerSpec } from '../scenario-types.js';
import { Waiters, type FailureAction, type Receipt, type Recorder, type SimBroker, type SimMessage } from './broker.js';

/** The visibility timeout the queue has: the scenario's, or SQS's own default when it says none. */
export function effectiveVisibilityTimeoutSeconds(spec: SqsBrokerSpec): number {
  return spec.visibilityTimeoutSeconds ?? SQS_DEFAULTS.visibilityTimeoutSeconds;
}

/** The DLQ keeps messages the longest SQS allows, since its retention counts from the original enqueue. */
const DLQ_RETENTION_SECONDS = 14 * 86_400;

/**
 * The simulator's SQS: the very model that backs the local SQS endpoint (`src/semantics/sqs/model.ts`),
 * driven by the virtual clock. Visibility timeout, receive count, redrive to the DLQ and retention
 * are its semantics, not ours; this adapter only maps consumer actions onto SQS calls and notices
 * where each message ended up.
 */
export class SqsQueueModel implements SimBroker {
  readonly kind = 'sqs' as const;
  private readonly sqs: SqsModel;
  private readonly queueUrl: string;
  private readonly dlqUrl: string;
  private readonly waiters: Waiters;
  private readonly byId = new Map<string, SimMessage>();
  /** Messages still ours to account for: SQS id → message. */
  private readonly open = new Map<string, SimMessage>();
  private nextToken = 1;
  private readonly handles = new Map<number, string>();
  private readonly idOfToken = new Map<number, string>();
  /** The token of each message's latest receive: only its holder can still delete it. */
  private readonly latestToken = new Map<string, number>();
  private dlqChanged = false;

  constructor(
    private readonly spec: SqsBrokerSpec,
    private readonly scheduler: Scheduler,
    private readonly recorder: Recorder,
  ) {
    this.sqs = new SqsModel({ clock: scheduler });
    this.waiters = new Waiters(scheduler, spec.receiveLatencyMs ?? 10);
    this.dlqUrl = this.sqs.createQueue({ QueueName: 'esr-commands-dlq', Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS) } }).QueueUrl;
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(effectiveVisibilityTimeoutSeconds(spec)),
      MessageRetentionPeriod: String(spec.retentionSeconds ?? SQS_DEFAULTS.retentionSeconds),
    };
    if (spec.redrive) {
      attributes['RedrivePolicy'] = JSON.stringify({ deadLetterTargetArn: this.sqs.arnOf('esr-commands-dlq'), maxReceiveCount: spec.redrive.maxReceiveCount });
    }
    this.queueUrl = this.sqs.createQueue({ QueueName: 'esr-commands', Attributes: attributes }).QueueUrl;
    this.sqs.onChange((url) => {
      if (url === this.dlqUrl) this.dlqChanged = true;
      else this.waiters.wake();
    });
  }

  get hasDeadLetterTarget(): boolean {
    return this.spec.redrive !== undefined;
  }

  get unsettled(): number {
    this.settleExpired();
    return this.open.size;
  }

  publish(message: SimMessage): void {
    const { MessageId } = this.sqs.sendMessage({ QueueUrl: this.queueUrl, MessageBody: message.body });
    this.byId.set(MessageId, message);
    this.open.set(MessageId, message);
  }

  receive(consumer: number): Receipt | null {
    const { Messages } = this.sqs.receiveMessage({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 1, AttributeNames: ['ApproximateReceiveCount'] });
    this.noticeDeadLetters();
    const received = Messages?.[0];
    if (!received) return null;
    const message = this.byId.get(received.MessageId)!;
    const token = this.nextToken++;
    this.handles.set(token, received.ReceiptHandle);
    this.idOfToken.set(token, received.MessageId);
    this.latestToken.set(received.MessageId, token);
    return { message, deliveryCount: Number(received.Attributes?.['ApproximateReceiveCount'] ?? 1), consumer, token };
  }

  waitForMessage(): Promise<void> {
    const waiting = this.waiters.wait();
    const next = this.sqs.nextVisibleAt(this.queueUrl);
    if (next !== null) this.waiters.wake(Math.max(next, this.scheduler.now() + (this.spec.receiveLatencyMs ?? 10)));
    return waiting;
  }

  /** The receipt handle and message id of a receipt, once: a receipt is settled at most once. */
  private handleOf(receipt: Receipt): { handle: string; id: string; current: boolean } | null {
    const handle = this.handles.get(receipt.token);
    const id = this.idOfToken.get(receipt.token);
    this.handles.delete(receipt.token);
    this.idOfToken.delete(receipt.token);
    if (handle === undefined || id === undefined) return null;
    return { handle, id, current: this.latestToken.get(id) === receipt.token && this.open.has(id) };
  }

  ack(receipt: Receipt): void {
    this.delete(receipt, 'acked', 'deleted after success');
  }

  fail(receipt: Receipt, action: FailureAction, reason: string): void {
    if (action === 'delete') {
      this.delete(receipt, 'deleted-on-failure', `deleted although it failed (no redrive policy): ${reason}`);
      return;
    }
    const held = this.handleOf(receipt);
    if (held === null || !held.current) return;
    if (action === 'requeue') {
      try {
        this.sqs.changeMessageVisibility({ QueueUrl: this.queueUrl, ReceiptHandle: held.handle, VisibilityTimeout: 0 });
      } catch (error) {
        if (!(error instanceof SqsError)) throw error;
        return; // its visibility timeout already ended: it is visible anyway
      }
      this.recorder.event('requeue', receipt.message.office, `visible again at once: ${reason}`, receipt.message, receipt.deliveryCount);
      return;
    }
    this.recorder.event('retry', receipt.message.office, `not deleted: visible again after the visibility timeout (${reason})`, receipt.message, receipt.deliveryCount);
  }

  /** A lost consumer deletes nothing: the message reappears when its visibility timeout ends. */
  release(receipt: Receipt): void {
    this.handleOf(receipt);
  }

  private delete(receipt: Receipt, fate: 'acked' | 'deleted-on-failure', detail: string): void {
    const held = this.handleOf(receipt);
    if (held === null) return;
    this.sqs.deleteMessage({ QueueUrl: this.queueUrl, ReceiptHandle: held.handle });
    // A stale handle (the message was received again since) deletes nothing, as in AWS.
    if (!held.current) return;
    this.open.delete(held.id);
    if (fate === 'deleted-on-failure') this.recorder.event('deleted-on-failure', receipt.message.office, detail, receipt.message, receipt.deliveryCount);
    this.recorder.fate(receipt.message, fate, detail);
  }

  /** Memory alarms are a RabbitMQ thing; SQS does not block senders. */
  blockUntil(): void {}

  drainDeadLetters(): SimMessage[] {
    this.noticeDeadLetters();
    const drained: SimMessage[] = [];
    for (const received of this.receiveAll(this.dlqUrl, 43_200)) {
      this.sqs.deleteMessage({ QueueUrl: this.dlqUrl, ReceiptHandle: received.ReceiptHandle });
      const message = this.byId.get(received.MessageId);
      if (message) drained.push(message);
    }
    return drained;
  }

  /** Redrive happens inside a receive: afterwards, report each message that moved to the DLQ. */
  private noticeDeadLetters(): void {
    if (!this.dlqChanged) return;
    this.dlqChanged = false;
    const inDlq = this.receiveAll(this.dlqUrl, 43_200);
    for (const received of inDlq) {
      this.sqs.changeMessageVisibility({ QueueUrl: this.dlqUrl, ReceiptHandle: received.ReceiptHandle, VisibilityTimeout: 0 });
      const message = this.open.get(received.MessageId);
      if (!message) continue;
      this.open.delete(received.MessageId);
      const why = `receive count exceeded maxReceiveCount ${this.spec.redrive?.maxReceiveCount}: moved to the DLQ`;
      this.recorder.event('dead-letter', message.office, why, message);
      this.recorder.fate(message, 'dead-lettered', why);
    }
  }

  private receiveAll(url: string, visibilitySeconds: number) {
    const all = [];
    for (let page = 0; page < 1000; page++) {
      const { Messages } = this.sqs.receiveMessage({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: visibilitySeconds });
      if (!Messages) break;
      all.push(...Messages);
    }
    return all;
  }

  /** Messages past retention vanish from SQS without a trace: account for them. */
  private settleExpired(): void {
    const retentionMs = (this.spec.retentionSeconds ?? SQS_DEFAULTS.retentionSeconds) * 1000;
    const now = this.scheduler.now();
    for (const [id, message] of this.open) {
      if (message.publishedAt + retentionMs > now) continue;
      this.open.delete(id);
      this.recorder.event('expired', message.office, 'retention period ended: deleted by SQS', message);
      this.recorder.fate(message, 'expired', `expired after the retention period (${retentionMs / 1000} s) without being processed`);
    }
  }
}
