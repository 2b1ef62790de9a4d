import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetterQueue, ReplayOptions, ReplayResult } from '../../engine/broker.js';
import { callSqs, SqsRequestError } from './client.js';
import { deadLetterOf, identityAttributes } from './messages.js';

export interface DeadLetterContext {
  client: SQSClient;
  workQueueUrl(): Promise<string>;
  deadLetterQueueUrl(): Promise<string>;
  workQueueName: string;
  /** The budget SQS redrives at (null without a redrive policy). */
  maxReceiveCount: number | null;
}

/** A holding queue keeps what it holds as long as SQS allows (14 days): it is where operators inspect. */
const HOLDING_RETENTION_SECONDS = 1_209_600;
/** How long a peeked or moved message stays hidden from others while we hold it. */
const HOLD_SECONDS = 60;
/** Upper bound of one list/replay: a DLQ flood is thousands of messages (2,358 in 2024), not millions. */
const MAX_MESSAGES = 50_000;
/** Empty short polls in a row before list gives up although the queue reports visible messages. */
const MAX_EMPTY_POLLS = 3;
const SQS_QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The operators' shovel on SQS, made safe. SQS has no "peek": list receives every message with a
 * visibility timeout, then makes each visible again (its ApproximateReceiveCount grows, which a
 * DLQ without redrive policy does not mind). A message leaves its queue only after SendMessage to
 * the destination succeeded.
 */
export class SqsDeadLetters implements DeadLetterQueue {
  constructor(private readonly context: DeadLetterContext) {}

  async list(limit = MAX_MESSAGES): Promise<DeadLetter[]> {
    const url = await this.context.deadLetterQueueUrl();
    const messages = await this.peek(url, Math.min(limit, MAX_MESSAGES));
    const fallback = { sourceQueue: this.context.workQueueName, maxReceiveCount: this.context.maxReceiveCount };
    return messages.map((message) => deadLetterOf(message, fallback));
  }

  async show(messageId: string): Promise<DeadLetter | null> {
    return (await this.list()).find((letter) => letter.messageId === messageId) ?? null;
  }

  async replay(options: ReplayOptions = {}): Promise<ReplayResult> {
    const limit = options.limit ?? MAX_MESSAGES;
    let source = await this.context.deadLetterQueueUrl();
    if (options.holdingQueue !== undefined) {
      // Nothing dead: no holding queue is made for nothing.
      if (!(await this.hasVisibleMessages(source))) return { replayed: 0, heldIn: null };
      const holdingUrl = await this.createHoldingQueue(options.holdingQueue);
      await this.move(source, holdingUrl, MAX_MESSAGES);
      source = holdingUrl;
    }
    const replayed = await this.move(source, await this.context.workQueueUrl(), limit);
    return { replayed, heldIn: options.holdingQueue ?? null };
  }

  private async createHoldingQueue(name: string): Promise<string> {
    if (!SQS_QUEUE_NAME.test(name)) {
      throw new SqsRequestError(`holding queue '${name}' is not a valid SQS queue name: letters, digits, '-' and '_' only, 1 to 80 (SQS names cannot contain dots: use esr-dlq-YYYY-MM-DD)`, 'InvalidParameterValue');
    }
    const created = await callSqs(`create holding queue ${name}`, () => this.context.client.send(new CreateQueueCommand({ QueueName: name })));
    await callSqs(`configure holding queue ${name}`, () =>
      this.context.client.send(new SetQueueAttributesCommand({ QueueUrl: created.QueueUrl, Attributes: { MessageRetentionPeriod: String(HOLDING_RETENTION_SECONDS) } })),
    );
    return created.QueueUrl!;
  }

  /**
   * Moves up to `limit` messages: each is sent as a new message (a fresh receive count, hence a
   * fresh retry budget) with its body and identity, then deleted from `from`.
   */
  private async move(from: string, to: string, limit: number): Promise<number> {
    let moved = 0;
    while (moved < limit) {
      const batch = await this.receive(from, Math.min(10, limit - moved), HOLD_SECONDS);
      if (batch.length === 0) break;
      for (const message of batch) {
        await callSqs('replay a dead letter', () =>
          this.context.client.send(new SendMessageCommand({ QueueUrl: to, MessageBody: message.Body ?? '', MessageAttributes: identityAttributes(message) })),
        );
        await callSqs('delete a replayed dead letter', () => this.context.client.send(new DeleteMessageCommand({ QueueUrl: from, ReceiptHandle: message.ReceiptHandle! })));
        moved += 1;
      }
    }
    return moved;
  }

  private async peek(url: string, limit: number): Promise<Message[]> {
    const seen: Message[] = [];
    let emptyPolls = 0;
    try {
      while (seen.length < limit && emptyPolls < MAX_EMPTY_POLLS) {
        const batch = await this.receive(url, Math.min(10, limit - seen.length), HOLD_SECONDS);
        if (batch.length === 0 && !(await this.hasVisibleMessages(url))) break;
        emptyPolls = batch.length === 0 ? emptyPolls + 1 : 0;
        seen.push(...batch);
      }
    } finally {
      await this.release(url, seen);
    }
    return seen;
  }

  /** Short polls can miss messages on real SQS (they sample servers): ask the queue before concluding. */
  private async hasVisibleMessages(url: string): Promise<boolean> {
    const answer = await callSqs('count dead letters', () =>
      this.context.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] })),
    );
    return Number(answer.Attributes?.ApproximateNumberOfMessages ?? '0') > 0;
  }

  private async release(url: string, messages: Message[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      const entries = messages.slice(start, start + 10).map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
      await callSqs('release peeked dead letters', () => this.context.client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries })));
    }
  }

  private async receive(url: string, max: number, visibilitySeconds: number): Promise<Message[]> {
    const answer = await callSqs('receive dead letters', () =>
      this.context.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: max,
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      ),
    );
    return answer.Messages ?? [];
  }
}
