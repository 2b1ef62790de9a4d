import { describe, expect, it } from 'vitest';
import { BrokerTopologyError, BrokerUnavailableError, PublishRejectedError } from '../../src/brokers/rabbitmq/connection.js';
import { SqsRequestError, SqsUnavailableError } from '../../src/brokers/sqs/client.js';
import { CliError, exitCodeFor } from '../../src/cli/errors.js';
import { InputError } from '../../src/config/validated-yaml.js';
import { EsrFileError } from '../../src/domain/esr-file.js';
import { OperatingError } from '../../src/errors.js';
import { RealRunUnsupported } from '../../src/live/real.js';
import { SourceError } from '../../src/sources/errors.js';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { scrubSecrets } from '../../src/text/scrub.js';

function report(error: unknown, debug = false): { code: number; text: string } {
  let text = '';
  const code = exitCodeFor(error, (line) => (text += line), { debug });
  return { code, text };
}

describe('errors with one base (issue 10)', () => {
  const operating = [
    new InputError('f.yaml', 3, 1, 'bad'),
    new SourceError('unreadable'),
    new StoreUnavailableError('down'),
    new BrokerUnavailableError('down'),
    new BrokerTopologyError('x-delivery-limit differs'),
    new PublishRejectedError('nacked'),
    new SqsUnavailableError('unreachable'),
    new SqsRequestError('no queue', 'QueueDoesNotExist'),
    new CliError('usage'),
    new EsrFileError('f.DAT', 2, 5, 'bad field'),
    new RealRunUnsupported('cannot'),
  ];

  it.each(operating.map((error) => [error.name, error] as const))('%s is an OperatingError named after its class, exit code 2', (name, error) => {
    expect(error).toBeInstanceOf(OperatingError);
    expect(name).toBe(error.constructor.name);
    expect(report(error)).toEqual({ code: 2, text: `error: ${error.message}\n` });
  });

  it('an operating error keeps its own exit code', () => {
    expect(report(new CliError('no dead-lettered message with id 7', 1))).toEqual({ code: 1, text: 'error: no dead-lettered message with id 7\n' });
  });

  it('anything else is an internal error: exit 2, one line, the stack only with DEBUG', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')\nsecond line");
    expect(report(bug)).toEqual({ code: 2, text: "error: internal error (TypeError): Cannot read properties of undefined (reading 'x')\n" });
    // Duck typing is gone: an object with an exitCode is not trusted.
    expect(report(Object.assign(new Error('duck'), { exitCode: 0 })).code).toBe(2);
    const debug = report(bug, true).text;
    expect(debug.split('\n')[0]).toBe("error: internal error (TypeError): Cannot read properties of undefined (reading 'x')");
    expect(debug).toMatch(/\n\s+at /);
  });
});

describe('secret scrubbing replaces whole values only', () => {
  it('a short password inside a longer word is left alone; the password itself is replaced', () => {
    expect(scrubSecrets('RabbitMQ at amqp://guest:b@host refused user guest', ['b'])).toBe('RabbitMQ at amqp://guest:***@host refused user guest');
    expect(scrubSecrets('RabbitMQ authentication failed for bbit', ['bbit'])).toBe('RabbitMQ authentication failed for ***');
  });

  it('every occurrence, longest secret first, punctuation-only secrets anywhere', () => {
    expect(scrubSecrets('p4ss p4ss-word p4ss', ['p4ss', 'p4ss-word'])).toBe('*** *** ***');
    expect(scrubSecrets('key=!!##!!,', ['!!##!!'])).toBe('key=***,');
    expect(scrubSecrets('nothing here', [''])).toBe('nothing here');
  });
});
