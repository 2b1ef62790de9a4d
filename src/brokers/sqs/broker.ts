import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { ExportCommand } from '../../domain/command.js';
import { SQS_DEFAULTS } from '../../semantics/sqs/queue-attributes.js';
import { systemClock, type Clock } from '../../engine/clock.js';
import { decide, exhaustedReason } from '../../engine/consumption.js';
import { silentLogger, type Logger } from '../../engine/log.js';
import { describeOutcome, dispositionOf } from '../../engine/outcome.js';
import type { Broker, ConsumeOptions, Consumption, DeliveryHandler, RetryConfig } from '../../engine/broker.js';
import { callSqs, createSqsClient } from './client.js';
import { runSqsConsumers, type SqsConsumerSide } from './consumer.js';
import { SqsDeadLetters } from './dead-letters.js';
import { ATTRIBUTE, deliveryOf, identityAttributes, numberAttribute, stringAttribute } from './messages.js';

export interface SqsBrokerOptions {
  /** An SDK client (injected in tests). Default: a client with the standard AWS credential chain and region. */
  client?: SQSClient;
  region?: string;
  /** ElasticMQ, LocalStack, `esr-export sqs-local`, or unset for AWS itself. */
  endpoint?: string;
  /** Default 'esr-appfilegenerationcommand'. */
  queueName?: string;
  /** Default `<queueName>-dlq`. */
  deadLetterQueueName?: string;
  retry: RetryConfig;
  /** The work queue's VisibilityTimeout. Default 30 (the SQS default); keep it above the handler's time. */
  visibilityTimeoutSeconds?: number;
  /** Long-poll wait of each receive, 0–20. Default 20 (fewest empty receives); tests use small values. */
  waitTimeSeconds?: number;
  /**
   * Spring Cloud AWS 2.x behaviour: delete a failed message when the queue has no redrive policy.
   * Only meaningful with `{mode:'none'}`; without it, `none` leaves a failed message to come back
   * after the visibility timeout, until the retention period (4 days) expires.
   */
  deleteOnFailureWithoutRedrive?: boolean;
  log?: Logger;
  /** The consumers' waits (receive backoff, idleness) are this clock's. Default the system clock. */
  clock?: Clock;
}

/** The source keeps SQS's 4-day default; its DLQ keeps the maximum, so a dead letter outlives its source (retention counts from the first send). */
const WORK_RETENTION_SECONDS = SQS_DEFAULTS.retentionSeconds;
const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/**
 * The export-command queue on Amazon SQS. The retry budget lives where 2021 lost it, on the
 * broker: a RedrivePolicy with `maxReceiveCount = maxDeliveries`. A retryable failure leaves the
 * message (hidden for the retry delay) so SQS redelivers it and finally redrives it; a
 * non-retryable one is sent to the DLQ by the adapter, then deleted.
 */
export class SqsBroker implements Broker {
  readonly kind = 'sqs' as const;
  readonly deadLetters: SqsDeadLetters;
  private readonly client: SQSClient;
  private readonly ownsClient: boolean;
  private readonly queueName: string;
  private readonly deadLetterQueueName: string;
  private readonly log: Logger;
  private readonly urls = new Map<string, Promise<string>>();
  private readonly consumptions = new Set<Consumption>();

  constructor(private readonly options: SqsBrokerOptions) {
    this.client = options.client ?? createSqsClient({ region: options.region, endpoint: options.endpoint });
    this.ownsClient = options.client === undefined;
    this.queueName = options.queueName ?? 'esr-appfilegenerationcommand';
    this.deadLetterQueueName = options.deadLetterQueueName ?? `${this.queueName}-dlq`;
    this.log = (options.log ?? silentLogger).child({ broker: 'sqs', queue: this.queueName });
    this.deadLetters = new SqsDeadLetters({
      client: this.client,
      workQueueUrl: () => this.urlOf(this.queueName),
      deadLetterQueueUrl: () => this.urlOf(this.deadLetterQueueName),
      workQueueName: this.queueName,
      maxReceiveCount: options.retry.mode === 'budget' ? options.retry.maxDeliveries : null,
    });
  }

  /**
   * Creates both queues if missing and (re)applies the attributes, so a queue re-created or
   * changed by hand converges to the configured retry: idempotent.
   */
  async setup(): Promise<void> {
    const deadLetterUrl = await this.createQueue(this.deadLetterQueueName, { MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS) });
    const workUrl = await this.createQueue(this.queueName, {});
    const deadLetterArn = await callSqs('read the DLQ ARN', () =>
      this.client.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] })),
    );
    const retry = this.options.retry;
    const redrivePolicy = retry.mode === 'budget' ? JSON.stringify({ deadLetterTargetArn: deadLetterArn.Attributes?.QueueArn, maxReceiveCount: retry.maxDeliveries }) : '';
    await callSqs(`configure ${this.queueName}`, () =>
      this.client.send(
        new SetQueueAttributesCommand({
          QueueUrl: workUrl,
          Attributes: {
            VisibilityTimeout: String(this.options.visibilityTimeoutSeconds ?? 30),
            MessageRetentionPeriod: String(WORK_RETENTION_SECONDS),
            RedrivePolicy: redrivePolicy,
          },
        }),
      ),
    );
  }

  async publish(command: ExportCommand): Promise<void> {
    const url = await this.urlOf(this.queueName);
    await callSqs(`publish ${command.commandId}`, () =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: JSON.stringify(command),
          MessageAttributes: { [ATTRIBUTE.messageId]: stringAttribute(command.commandId), [ATTRIBUTE.correlationId]: stringAttribute(command.correlationId) },
        }),
      ),
    );
  }

  async consume(handler: DeliveryHandler, options: ConsumeOptions = {}): Promise<Consumption> {
    const side: SqsConsumerSide = {
      client: this.client,
      queueUrl: await this.urlOf(this.queueName),
      waitTimeSeconds: this.options.waitTimeSeconds ?? 20,
      log: this.log,
      clock: this.options.clock ?? systemClock,
      handle: (message) => this.handle(message, handler),
    };
    const consumption = runSqsConsumers(side, options);
    this.consumptions.add(consumption);
    void consumption.stopped.then(() => this.consumptions.delete(consumption));
    return consumption;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumptions].map((consumption) => consumption.stop()));
    if (this.ownsClient) this.client.destroy();
  }

  /** One delivery: the handler decides, this carries out `dispositionOf(outcome)`. */
  private async handle(message: Message, handler: DeliveryHandler): Promise<void> {
    const delivery = deliveryOf(message);
    const log = this.log.child({ messageId: delivery.messageId, correlationId: delivery.correlationId, deliveryCount: delivery.deliveryCount });
    const outcome = await decide(handler, delivery);
    const disposition = dispositionOf(outcome);
    log.log(disposition === 'ack' ? 'info' : 'warn', describeOutcome(outcome), { disposition });
    const url = await this.urlOf(this.queueName);
    if (disposition === 'ack') return this.deleteMessage(url, message);
    const retry = this.options.retry;
    const exhausted = disposition === 'retry' && retry.mode === 'budget' && delivery.deliveryCount >= retry.maxDeliveries;
    if (disposition === 'dead-letter' || exhausted) {
      const reason = exhausted ? exhaustedReason(outcome, retry.maxDeliveries) : describeOutcome(outcome);
      await this.sendToDeadLetterQueue(message, reason, delivery.deliveryCount);
      return this.deleteMessage(url, message);
    }
    if (retry.mode === 'budget') {
      // SQS counts in whole seconds: wait at least the configured delay.
      const seconds = Math.min(43_200, Math.ceil(retry.delayMs / 1000));
      await callSqs('delay a retry', () => this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: seconds })));
    } else if (this.options.deleteOnFailureWithoutRedrive) {
      log.log('warn', 'failed command deleted: the queue has no redrive policy (Spring Cloud AWS 2.x behaviour)');
      await this.deleteMessage(url, message);
    }
  }

  private async sendToDeadLetterQueue(message: Message, reason: string, deathCount: number): Promise<void> {
    const url = await this.urlOf(this.deadLetterQueueName);
    await callSqs('dead-letter a command', () =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: message.Body ?? '',
          MessageAttributes: {
            ...identityAttributes(message),
            [ATTRIBUTE.deadLetterReason]: stringAttribute(reason),
            [ATTRIBUTE.deathCount]: numberAttribute(deathCount),
            [ATTRIBUTE.sourceQueue]: stringAttribute(this.queueName),
          },
        }),
      ),
    );
  }

  private async deleteMessage(url: string, message: Message): Promise<void> {
    await callSqs('delete a handled command', () => this.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! })));
  }

  private async createQueue(name: string, attributes: Record<string, string>): Promise<string> {
    const created = await callSqs(`create queue ${name}`, () => this.client.send(new CreateQueueCommand({ QueueName: name })));
    const url = created.QueueUrl!;
    if (Object.keys(attributes).length > 0) {
      await callSqs(`configure ${name}`, () => this.client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes })));
    }
    this.urls.set(name, Promise.resolve(url));
    return url;
  }

  private urlOf(name: string): Promise<string> {
    let url = this.urls.get(name);
    if (!url) {
      url = callSqs(`find queue ${name}`, async () => (await this.client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!);
      url.catch(() => this.urls.delete(name));
      this.urls.set(name, url);
    }
    return url;
  }
}
