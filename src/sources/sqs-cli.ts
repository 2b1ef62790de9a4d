/**
 * The AWS CLI's SQS output, byte for byte as `aws sqs … --output json` writes it:
 * - `aws sqs get-queue-attributes --queue-url URL --attribute-names All` → `{"Attributes": {…}}`,
 *   every value a string (GetQueueAttributes); the queue's name is taken from `QueueArn`, else from
 *   the file's name (`esr-dlq.json` → `esr-dlq`);
 * - `aws sqs list-queues` → `{"QueueUrls": […]}`: gives each queue its URL (the id live SQS uses),
 *   so a folder of both reads exactly like the live source.
 */
import { basename, extname } from 'node:path';
import type { SourceLocation } from './queue-settings.js';
import { queueNameOf, specFromAttributes, type SqsQueueSpec } from './sqs-attributes.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isSqsAttributes(document: unknown): document is { Attributes: Json } {
  return isObject(document) && isObject(document.Attributes) && Object.keys(document).every((key) => key === 'Attributes');
}

export function isSqsQueueList(document: unknown): document is { QueueUrls: string[] } {
  return isObject(document) && Array.isArray(document.QueueUrls) && document.QueueUrls.every((url) => typeof url === 'string');
}

/** The line of the first occurrence of a JSON key in the text (1 when absent). */
function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(`"${key}"`);
  if (at < 0) return 1;
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export interface SqsAttributesFile {
  document: { Attributes: Json };
  text: string;
  file: string;
}

/** Attribute files (and the URLs of list-queues files) → specs; the id is the queue's URL when known, else its ARN. */
export function sqsCliSpecs(files: readonly SqsAttributesFile[], urls: readonly string[]): SqsQueueSpec[] {
  const urlByName = new Map(urls.map((url) => [queueNameOf(url), url]));
  return files.map(({ document, text, file }): SqsQueueSpec => {
    const attributes = document.Attributes;
    const arn = typeof attributes.QueueArn === 'string' ? attributes.QueueArn : undefined;
    const name = arn === undefined ? basename(file, extname(file)) : queueNameOf(arn);
    const location: SourceLocation = { file, line: lineOfKey(text, 'Attributes') };
    const spec = specFromAttributes(urlByName.get(name) ?? arn ?? name, name, attributes, { source: 'aws-cli', file, line: location.line });
    return { ...spec, location };
  });
}
