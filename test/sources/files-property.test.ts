/** Any document in a recognised shape is read or refused with a SourceError — never a crash. */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceError } from '../../src/sources/errors.js';
import { fileSource } from '../../src/sources/files.js';

const dir = mkdtempSync(join(tmpdir(), 'h7-property-'));
let counter = 0;

async function outcome(document: unknown): Promise<'read' | 'refused'> {
  const file = join(dir, `doc-${counter++}.json`);
  writeFileSync(file, JSON.stringify(document));
  try {
    const queues = await fileSource(file).load();
    expect(Array.isArray(queues)).toBe(true);
    return 'read';
  } catch (error) {
    expect(error).toBeInstanceOf(SourceError);
    return 'refused';
  }
}

const anything = fc.jsonValue({ maxDepth: 4 });
const entry = fc.dictionary(
  fc.constantFrom('name', 'vhost', 'type', 'arguments', 'pattern', 'definition', 'priority', 'apply-to', 'source', 'destination', 'routing_key', 'component', 'value'),
  anything,
);

describe('file sources on arbitrary documents', () => {
  it('definitions-shaped documents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 5 }), fc.array(entry, { maxLength: 5 }), fc.array(entry, { maxLength: 3 }), async (queues, policies, bindings) => {
        await outcome({ rabbit_version: '3.10.8', queues, policies, bindings, exchanges: bindings, parameters: policies });
      }),
      { numRuns: 150 },
    );
  });

  // fast-check found it: String({ toString: '' }) throws a TypeError, so a name that is not text must never reach String()
  it.each([
    ['a plan whose address is an object', { format_version: '1.2', terraform_version: '1.11.4', resource_changes: [{ address: { toString: '' }, type: 'aws_sqs_queue', change: { actions: [], after: {}, after_unknown: [] } }] }, 'refused'],
    ['a plan whose configuration names an object', { format_version: '1.2', terraform_version: '1.11.4', resource_changes: [], configuration: { root_module: { resources: [{ address: { toString: '' }, expressions: { redrive_policy: { references: [{ toString: '' }] } } }] } } }, 'read'],
    ['a template whose Ref is an object', { AWSTemplateFormatVersion: '2010-09-09', Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: { toString: '' } }, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [{ toString: '' }, 'Arn'] }, maxReceiveCount: 3 } } } } }, 'read'],
    ['a listing entry whose type is an object', [{ name: 'q', type: { toString: '' } }], 'refused'],
  ])('%s is %s, never a crash', async (_name, document, expected) => {
    expect(await outcome(document)).toBe(expected);
  });

  it('Terraform-plan-shaped documents', async () => {
    const change = fc.record({
      address: anything,
      type: fc.constantFrom('aws_sqs_queue', 'aws_sqs_queue_redrive_policy', 'other'),
      change: fc.record({ actions: anything, after: fc.dictionary(fc.constantFrom('name', 'redrive_policy', 'fifo_queue', 'arn', 'visibility_timeout_seconds'), anything), after_unknown: anything }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 5 }), anything, async (changes, configuration) => {
        await outcome({ format_version: '1.2', terraform_version: '1.11.4', resource_changes: changes, configuration });
      }),
      { numRuns: 150 },
    );
  });

  it('CloudFormation-shaped documents', async () => {
    const resource = fc.record({
      Type: fc.constantFrom('AWS::SQS::Queue', 'AWS::SNS::Topic'),
      Properties: fc.dictionary(fc.constantFrom('QueueName', 'RedrivePolicy', 'VisibilityTimeout', 'MessageRetentionPeriod', 'FifoQueue'), anything),
    });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), resource, { maxKeys: 4 }), anything, async (resources, parameters) => {
        await outcome({ AWSTemplateFormatVersion: '2010-09-09', Parameters: parameters, Resources: resources });
      }),
      { numRuns: 150 },
    );
  });
});
