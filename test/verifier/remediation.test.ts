import { describe, expect, it } from 'vitest';
import { fixFor } from '../../src/evaluate/remediation.js';
import type { DeadLetterTarget } from '../../src/sources/queue-settings.js';
import { consumer, rabbitQueue, setting, sqsQueue } from './fixtures.js';

const fromFile = (source: string, detail: string) => ({ value: null, from: { source, origin: 'file' as const, detail } });

describe('fixFor: a snippet in the form the queue is managed by', () => {
  it('RabbitMQ: a set_policy with delivery-limit = deliveries − 1, the dead-letter path it needs, and the caveat for classic queues', () => {
    const fix = fixFor(rabbitQueue({ queueType: 'classic', deadLetterTarget: setting<DeadLetterTarget>(null, 'broker-default') }), { maxDeliveries: 13, deadLetter: true });
    expect(fix.split('\n')).toEqual([
      `rabbitmqctl set_policy --vhost '/' --apply-to queues --priority 10 'retry-esr.queue.appfilegenerationcommand' '^esr\\.queue\\.appfilegenerationcommand$' '{"delivery-limit":12,"dead-letter-exchange":"esr.queue.appfilegenerationcommand.dlx"}'`,
      "rabbitmqadmin --vhost '/' declare exchange name='esr.queue.appfilegenerationcommand.dlx' type=fanout durable=true",
      "rabbitmqadmin --vhost '/' declare queue name='esr.queue.appfilegenerationcommand.dlq' durable=true",
      "rabbitmqadmin --vhost '/' declare binding source='esr.queue.appfilegenerationcommand.dlx' destination='esr.queue.appfilegenerationcommand.dlq' routing_key='esr.queue.appfilegenerationcommand'",
      '# delivery-limit is enforced only by quorum queues: redeclare the queue with x-queue-type=quorum (a queue type cannot change in place)',
      "# only one policy applies per queue: merge these keys into policy 'esr-retry' instead if it matches",
    ]);
  });

  it('SQS: aws sqs set-queue-attributes with a RedrivePolicy in the queue account and region', () => {
    const fix = fixFor(sqsQueue({ deadLetterTarget: setting<DeadLetterTarget>(null, 'broker-default') }), { maxDeliveries: 13, visibilityTimeoutSeconds: 60 });
    expect(fix).toBe(
      `aws sqs create-queue --queue-name esr-commands-dlq --attributes '{"MessageRetentionPeriod":"1209600"}'\n` +
      `aws sqs set-queue-attributes --queue-url https://sqs.eu-west-2.amazonaws.com/123456789012/esr-commands --attributes '{"RedrivePolicy":"{\\"deadLetterTargetArn\\":\\"arn:aws:sqs:eu-west-2:123456789012:esr-commands-dlq\\",\\"maxReceiveCount\\":\\"13\\"}","VisibilityTimeout":"60"}'`,
    );
  });

  it('CloudFormation: the queue resource properties', () => {
    const queue = sqsQueue({ maxDeliveries: fromFile('cloudformation', 'CommandsQueue.RedrivePolicy'), deadLetterTarget: fromFile('cloudformation', 'CommandsQueue.RedrivePolicy') });
    expect(fixFor(queue, { maxDeliveries: 13, retryDelaySeconds: 2 }).split('\n')).toEqual([
      '  CommandsQueueDlq:',
      '    Type: AWS::SQS::Queue',
      '    Properties:',
      '      QueueName: esr-commands-dlq',
      '      MessageRetentionPeriod: 1209600',
      '  CommandsQueue:',
      '    Type: AWS::SQS::Queue',
      '    Properties:',
      '      RedrivePolicy:',
      '        deadLetterTargetArn: !GetAtt CommandsQueueDlq.Arn',
      '        maxReceiveCount: 13',
      '      DelaySeconds: 2',
    ]);
  });

  it('the consumer: Spring listener retry keys, and a note naming what parity restores', () => {
    const fix = fixFor(rabbitQueue({ consumer: consumer() }), { consumerAttempts: 15, consumerRequeueRejected: false, note: "as in the baseline: rabbitmq-live policy 'esr-retry'" });
    expect(fix.split('\n')).toEqual([
      "# as in the baseline: rabbitmq-live policy 'esr-retry'",
      '# application.yml',
      'spring.rabbitmq.listener.simple:',
      '  default-requeue-rejected: false',
      '  retry:',
      '    enabled: true',
      '    max-attempts: 15',
      '    initial-interval: 1000ms',
    ]);
  });
});
