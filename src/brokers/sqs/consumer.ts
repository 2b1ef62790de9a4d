import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../engine/log.js';
import type { ConsumeOptions, Consumption } from '../../engine/broker.js';
import type { Clock } from '../../engine/clock.js';
import { IdleWatch } from '../../engine/consumption.js';
import { longPollRequestTimeoutMs } from '../../net/timeouts.js';
import { isAbortError, isConnectionError } from './client.js';

export interface SqsConsumerSide {
  client: SQSClient;
  queueUrl: string;
  waitTimeSeconds: number;
  log: Logger;
  clock: Clock;
  /** Handles one message to the end (delete, delay or dead-letter). */
  handle(message: Message): Promise<void>;
}

/** Backoff after a failed receive: doubles from 100 ms up to 5 s, so an unreachable SQS is not hammered. */
const RECEIVE_BACKOFF_MS = { initial: 100, max: 5_000 };

/**
 * `consumers` long-polling loops on one queue. Each receives up to `prefetch` messages (at most 10,
 * SQS's limit) and handles them concurrently before polling again. `stop()` aborts the pending
 * polls (a message SQS handed to an aborted poll comes back after its visibility timeout, as on
 * AWS), lets in-flight messages finish, then resolves.
 */
export function runSqsConsumers(side: SqsConsumerSide, options: ConsumeOptions): Consumption {
  const consumers = Math.max(1, options.consumers ?? 1);
  const prefetch = Math.min(10, Math.max(1, options.prefetch ?? 1));
  const polls = new AbortController();
  let stopping = false;
  const activity = new IdleWatch(side.clock);

  const receive = async (): Promise<Message[]> => {
    const answer = await side.client.send(
      new ReceiveMessageCommand({
        QueueUrl: side.queueUrl,
        MaxNumberOfMessages: prefetch,
        WaitTimeSeconds: side.waitTimeSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
      { abortSignal: polls.signal, requestTimeout: longPollRequestTimeoutMs(side.waitTimeSeconds) },
    );
    return answer.Messages ?? [];
  };

  const loop = async () => {
    let backoffMs = RECEIVE_BACKOFF_MS.initial;
    while (!stopping) {
      let messages: Message[];
      try {
        messages = await receive();
        backoffMs = RECEIVE_BACKOFF_MS.initial;
      } catch (error) {
        if (stopping || isAbortError(error)) break;
        side.log.log('error', 'receive failed', { error: error instanceof Error ? error.message : String(error), connection: isConnectionError(error), retryInMs: backoffMs });
        await side.clock.sleep(backoffMs);
        backoffMs = Math.min(RECEIVE_BACKOFF_MS.max, backoffMs * 2);
        continue;
      }
      if (messages.length === 0) continue;
      await Promise.all(
        messages.map((message) =>
          activity.track(() => side.handle(message)).catch((error: unknown) => {
            // The message stays on the queue and comes back after its visibility timeout.
            side.log.log('error', 'could not settle a message', { error: error instanceof Error ? error.message : String(error) });
          }),
        ),
      );
    }
  };

  const workers = Array.from({ length: consumers }, () => loop());
  const stopped = Promise.all(workers).then(() => undefined);
  const stop = async () => {
    stopping = true;
    activity.close();
    polls.abort();
    await stopped;
  };
  void activity.stopWhenIdle(options.stopWhenIdleMs, () => void stop());

  return { stop, stopped };
}
