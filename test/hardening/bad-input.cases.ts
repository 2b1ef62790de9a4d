/**
 * The bad-input suite's table: hostile and clumsy inputs, one row each, per input kind. Data only
 * (no test framework), so that `npm run bench` can count the rows (bench/hardening.bench.ts).
 * test/hardening/bad-input.test.ts runs every row.
 */
import { readFileSync } from 'node:fs';

/** What a hostile file is: its text, or something that is not a regular file of sane size. */
export type FileContent = string | { fifo: true } | { folder: true } | { sparseBytes: number };

export interface FileCase {
  kind: 'policy' | 'environment' | 'scenario' | 'config';
  name: string;
  content: FileContent;
  /** The detail after `<file>[:line[:col]]: `. */
  message: RegExp;
  /** The error must name the line (and it is a text file). */
  line: boolean;
  /** Run as a real process (a FIFO could hang it, a huge file exhaust its memory); else in-process through the CLI's `main`. */
  process?: boolean;
  /** The file the error must name, when it is another than the hostile one (a file it points to). */
  reportedFile?: string;
}

export interface OptionCase {
  kind: 'cli-option';
  name: string;
  bin: 'esr-export' | 'esr-sim' | 'policy-check';
  args: string[];
  env?: Record<string, string>;
  message: RegExp;
  process?: boolean;
}

export interface BodyCase {
  kind: 'command-body';
  name: string;
  body: string;
}

export interface HttpCase {
  kind: 'sqs-http';
  name: string;
  method?: 'GET' | 'POST' | 'PUT';
  target: string | null;
  body: string;
  /** The SQS error type (`com.amazonaws.sqs#<type>`) of the 400 answer. */
  type: string;
}

/** One broken management API: every request gets `answer(path)`; policy-check against it must exit 2 in one line. */
export interface ApiCase {
  kind: 'management-api';
  name: string;
  answer: (path: string) => { status: number; body: string; contentType?: string };
  message: RegExp;
}

export type BadInputCase = FileCase | OptionCase | BodyCase | HttpCase | ApiCase;

const VALID_POLICY = `name: hostile
description: a policy
appliesTo: [export-commands]
checks:
  deadLetter: { required: true, severity: error }
`;

const BILLION_LAUGHS = `name: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]
`;

const UTF16 = String.fromCharCode(0xfeff) + 'name: p';

const ENV_QUEUES = `queues:
  export-commands:
    name: esr.queue.appfilegenerationcommand
`;

/** A shipped scenario, so that the hostile variants differ from a valid one by exactly their change. */
const VALID_SCENARIO = readFileSync(new URL('../../scenarios/2021-burst-pre-migration.yaml', import.meta.url), 'utf8');

const PACKAGE_JSON = new URL('../../package.json', import.meta.url).pathname;
const FIFO = { fifo: true } as const;
const FOLDER = { folder: true } as const;
const HUGE = { sparseBytes: 150 * 1024 * 1024 } as const;

/** Every kind of YAML file a user gives: the same hostile shapes for each, plus what is particular to each. */
function commonFileCases(kind: FileCase['kind']): FileCase[] {
  return [
    { kind, name: 'unclosed flow sequence', content: 'name: p\nchecks: [unclosed\n', message: /invalid YAML/, line: true },
    { kind, name: 'tab indentation', content: 'name: p\n\tchecks: {}\n', message: /invalid YAML/, line: true },
    { kind, name: 'duplicate key', content: 'name: a\nname: b\n', message: /invalid YAML: Map keys must be unique/, line: true },
    { kind, name: 'alias bomb (billion laughs)', content: BILLION_LAUGHS, message: /invalid YAML|alias/i, line: false },
    { kind, name: '100k-deep nesting', content: `name: ${'['.repeat(100_000)}`, message: /invalid YAML/, line: true },
    { kind, name: 'NUL byte', content: 'name: p\u0000\n', message: /invalid YAML: control character U\+0000 is not allowed/, line: true },
    { kind, name: 'a terminal escape in a value', content: 'name: "p"\ndescription: x\u001b[2J\n', message: /invalid YAML: control character U\+001B is not allowed/, line: true },
    { kind, name: 'UTF-16 byte-order mark', content: UTF16, message: /./, line: true },
    { kind, name: 'empty file', content: '', message: /must be object|the document/, line: true },
    { kind, name: 'a list, not a mapping', content: '- a\n- b\n', message: /must be object/, line: true },
    { kind, name: 'a FIFO (would block forever)', content: FIFO, message: /expected a regular file \(not a FIFO, socket or device\)$/, line: false, process: true },
    { kind, name: 'a folder', content: FOLDER, message: /expected a file, found a folder$/, line: false },
    { kind, name: 'a 150 MB file (V8 out of memory before)', content: HUGE, message: /file is 157286400 bytes; the limit is \d+ bytes$/, line: false, process: true },
  ];
}

export const FILE_CASES: FileCase[] = [
  ...commonFileCases('policy'),
  { kind: 'policy', name: 'unknown key', content: `${VALID_POLICY}extra: 1\n`, message: /unknown key 'extra'/, line: true },
  { kind: 'policy', name: 'appliesTo is a number', content: VALID_POLICY.replace('[export-commands]', '5'), message: /appliesTo must be/, line: true },
  {
    kind: 'policy',
    name: 'minDeliveries above maxDeliveries',
    content: `${VALID_POLICY}  retryBudget: { minDeliveries: 50, maxDeliveries: 10, severity: error }\n`,
    message: /minDeliveries \(50\) must not exceed maxDeliveries \(10\)/,
    line: true,
  },
  { kind: 'policy', name: 'severity not in the list', content: VALID_POLICY.replace('severity: error', 'severity: fatal'), message: /severity must be one of/, line: true },

  ...commonFileCases('environment'),
  { kind: 'environment', name: 'name differs from the file name', content: `name: other\nfiles: [x.json]\n${ENV_QUEUES}`, message: /name 'other' must match the file name/, line: true },
  {
    kind: 'environment',
    name: 'two brokers',
    content: `name: hostile\nrabbitmq: { managementUrl: "http://127.0.0.1:1", vhost: / }\nsqs: { region: eu-west-2 }\n${ENV_QUEUES}`,
    message: /an environment has one broker/,
    line: true,
  },
  {
    kind: 'environment',
    name: 'credentials named but not set',
    content: `name: hostile\nrabbitmq:\n  managementUrl: "http://127.0.0.1:1"\n  vhost: /\n  credentials: { usernameEnv: HARDEN_UNSET_USER, passwordEnv: HARDEN_UNSET_PW }\n${ENV_QUEUES}`,
    message: /environment variable HARDEN_UNSET_USER is not set/,
    line: true,
  },
  // Row 5, owned by "readers": a consumerConfig that is not a Spring config.
  ...(
    [
      ['/etc/passwd', /expected a Spring Boot application\.yml \/ \.properties/],
      ['/dev/null', /expected a regular file/],
      [PACKAGE_JSON, /expected a Spring Boot application\.yml \/ \.properties/],
    ] as const
  ).map(
    ([config, message]): FileCase => ({
      kind: 'environment',
      name: `consumerConfig: ${config.endsWith('package.json') ? 'package.json' : config} (row 5: passed as Spring AMQP defaults before)`,
      content: `name: hostile\nfiles: [../../before.json]\nqueues:\n  export-commands:\n    name: esr.queue.appfilegenerationcommand\n    consumerConfig: ${config}\n`,
      message,
      line: false,
      reportedFile: config,
    }),
  ),
  { kind: 'environment', name: 'queues is a string', content: 'name: hostile\nfiles: [x.json]\nqueues: all\n', message: /queues must be object/, line: true },

  ...commonFileCases('scenario'),
  { kind: 'scenario', name: 'unknown key', content: `${VALID_SCENARIO}extra: 1\n`, message: /unknown key 'extra'/, line: true },
  // Row 9, owned by "sim-core".
  { kind: 'scenario', name: 'horizon before start (row 9: a TypeError before)', content: VALID_SCENARIO.replace('horizon: 2021-08-03T00:00:00Z', 'horizon: 2021-07-01T00:00:00Z'), message: /horizon/, line: true },
  { kind: 'scenario', name: 'seed is a string', content: VALID_SCENARIO.replace('seed: 2021', 'seed: one'), message: /seed must be/, line: true },

  ...commonFileCases('config'),
  { kind: 'config', name: 'unknown key', content: 'env: local\nextra: 1\n', message: /unknown key 'extra'/, line: true },
];

export const OPTION_CASES: OptionCase[] = [
  { kind: 'cli-option', name: 'policy-check: unknown format', bin: 'policy-check', args: ['--env', 'local', '--format', 'yaml-ish'], message: /format/ },
  { kind: 'cli-option', name: 'policy-check: --env without a value', bin: 'policy-check', args: ['--env'], message: /argument missing/ },
  { kind: 'cli-option', name: 'policy-check: unknown environment', bin: 'policy-check', args: ['--env', 'no-such-env'], process: true, message: /unknown environment 'no-such-env'/ },
  { kind: 'cli-option', name: 'policy-check: unknown option', bin: 'policy-check', args: ['--env', 'local', '--frobnicate'], message: /unknown option/ },
  {
    kind: 'cli-option',
    name: 'request timeout not a number',
    bin: 'policy-check',
    args: ['--env', 'local'],
    env: { ESR_REQUEST_TIMEOUT_MS: 'soon' },
    process: true,
    message: /ESR_REQUEST_TIMEOUT_MS must be a positive whole number of milliseconds, got 'soon'/,
  },
  { kind: 'cli-option', name: 'esr-export: impossible date', bin: 'esr-export', args: ['trigger', '--office', 'SEV', '--date', '2021-02-30'], message: /--date/ },
  { kind: 'cli-option', name: 'esr-export: unknown office', bin: 'esr-export', args: ['trigger', '--office', 'XYZ', '--date', '2021-07-31'], process: true, message: /unknown office code\(s\) XYZ/ },
  { kind: 'cli-option', name: 'esr-export: --max-deliveries not a number', bin: 'esr-export', args: ['trigger', '--office', 'SEV', '--date', '2021-07-31', '--max-deliveries', 'many'], message: /--max-deliveries/ },
  { kind: 'cli-option', name: 'esr-export: unknown broker', bin: 'esr-export', args: ['trigger', '--broker', 'kafka', '--office', 'SEV', '--date', '2021-07-31'], message: /kafka/ },
  // Rows owned by "ops" (issue 13 rows 7, 11 AMQP part, 13), included once their fix landed.
  { kind: 'cli-option', name: "esr-export: --office '' (row 7: published for EMD before)", bin: 'esr-export', args: ['trigger', '--office', '', '--date', '2021-07-31'], message: /--office needs office codes, got ''/ },
  { kind: 'cli-option', name: 'esr-export: --consumers 0 (row 13)', bin: 'esr-export', args: ['run', '--consumers', '0'], message: /--consumers must be a positive integer, got '0'/ },
  {
    kind: 'cli-option',
    name: 'esr-export: wrong AMQP password (row 11: retried 10 times before)',
    bin: 'esr-export',
    args: ['trigger', '--broker', 'rabbitmq', '--amqp-url', 'amqp://guest:WRONG-harden@127.0.0.1:5672', '--office', 'SEV', '--date', '2021-07-31'],
    message: /authentication failed/,
  },
  {
    kind: 'cli-option',
    name: 'esr-export: missing vhost (row 11)',
    bin: 'esr-export',
    args: ['trigger', '--broker', 'rabbitmq', '--amqp-url', 'amqp://guest:guest@127.0.0.1:5672/harden-no-such-vhost', '--office', 'SEV', '--date', '2021-07-31'],
    message: /refused virtual host 'harden-no-such-vhost': it does not exist/,
  },
  { kind: 'cli-option', name: 'esr-export: demo --outbox /dev/null (row 13)', bin: 'esr-export', args: ['demo', '--outbox', '/dev/null'], message: /outbox \/dev\/null: cannot be used \(ENOTDIR/ },
  { kind: 'cli-option', name: 'esr-sim: --seeds zero', bin: 'esr-sim', args: ['sweep', 'scenarios/2021-saturday-burst.yaml', '--seeds', '0'], message: /--seeds/ },
  { kind: 'cli-option', name: 'esr-sim: missing scenario file', bin: 'esr-sim', args: ['replay', 'scenarios/no-such.yaml'], process: true, message: /no-such\.yaml: file not found/ },
];

/** Export-command bodies as a producer could put them on the queue: each must be `invalid`, never a crash. */
export const BODY_CASES: BodyCase[] = [
  { kind: 'command-body', name: 'empty', body: '' },
  { kind: 'command-body', name: 'null', body: 'null' },
  { kind: 'command-body', name: 'a list', body: '[]' },
  { kind: 'command-body', name: 'a number', body: '42' },
  { kind: 'command-body', name: 'a string', body: '"APP"' },
  { kind: 'command-body', name: 'an empty object', body: '{}' },
  { kind: 'command-body', name: 'truncated JSON', body: '{"commandId":"c1","type":"APP"' },
  { kind: 'command-body', name: 'not JSON, with a newline and a terminal escape', body: 'oops\n\u001b[31m::error::x' },
  { kind: 'command-body', name: 'impossible date', body: JSON.stringify({ commandId: 'c', type: 'APP', localOffice: 'SEV', runDate: '2021-02-30', correlationId: 'k' }) },
  { kind: 'command-body', name: 'unknown office', body: JSON.stringify({ commandId: 'c', type: 'APP', localOffice: 'XYZ', runDate: '2021-07-31', correlationId: 'k' }) },
  { kind: 'command-body', name: 'empty office', body: JSON.stringify({ commandId: 'c', type: 'APP', localOffice: '', runDate: '2021-07-31', correlationId: 'k' }) },
  { kind: 'command-body', name: 'unknown type', body: JSON.stringify({ commandId: 'c', type: 'ZZZ', localOffice: 'SEV', runDate: '2021-07-31', correlationId: 'k' }) },
  { kind: 'command-body', name: 'extra field', body: JSON.stringify({ commandId: 'c', type: 'APP', localOffice: 'SEV', runDate: '2021-07-31', correlationId: 'k', admin: true }) },
  { kind: 'command-body', name: 'commandId of 1 MB', body: JSON.stringify({ commandId: 'c'.repeat(1 << 20), type: 'APP', localOffice: 'SEV', runDate: '2021-07-31', correlationId: 'k' }) },
  { kind: 'command-body', name: '__proto__ pollution attempt', body: '{"__proto__":{"polluted":true},"commandId":"c","type":"APP","localOffice":"SEV","runDate":"2021-07-31","correlationId":"k","constructor":{"prototype":{"polluted":true}}}' },
  { kind: 'command-body', name: '100k-deep nesting', body: '['.repeat(100_000) },
  { kind: 'command-body', name: 'control characters and a terminal escape in fields', body: JSON.stringify({ commandId: 'c\u001b[2J\n::error::x', type: 'APP', localOffice: 'SEV\u0000', runDate: '2021-07-31', correlationId: 'k' }) },
  { kind: 'command-body', name: 'byte-order mark before the JSON', body: `\ufeff${JSON.stringify({ commandId: 'c', type: 'APP', localOffice: 'SEV', runDate: '2021-07-31' })}` },
  { kind: 'command-body', name: 'numbers where strings belong', body: JSON.stringify({ commandId: 1, type: 2, localOffice: 3, runDate: 20210731, correlationId: 4 }) },
];

const json = (value: unknown) => JSON.stringify(value);

/** Requests to the local SQS endpoint (issue 13 row 10): every one a 400 with the SQS error type, never 200 or 500. */
export const HTTP_CASES: HttpCase[] = [
  ...['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', '__defineGetter__'].map(
    (member): HttpCase => ({ kind: 'sqs-http', name: `target AmazonSQS.${member}`, target: `AmazonSQS.${member}`, body: '{}', type: 'UnknownOperation' }),
  ),
  { kind: 'sqs-http', name: 'no target', target: null, body: '{}', type: 'UnknownOperation' },
  { kind: 'sqs-http', name: 'another service', target: 'DynamoDB_20120810.ListTables', body: '{}', type: 'UnknownOperation' },
  { kind: 'sqs-http', name: 'GET instead of POST', method: 'GET', target: 'AmazonSQS.ListQueues', body: '', type: 'UnknownOperation' },
  { kind: 'sqs-http', name: 'an SQS operation the endpoint lacks', target: 'AmazonSQS.StartMessageMoveTask', body: '{}', type: 'UnsupportedOperation' },
  { kind: 'sqs-http', name: 'body not JSON', target: 'AmazonSQS.ListQueues', body: '{not json', type: 'SerializationException' },
  { kind: 'sqs-http', name: 'body a list', target: 'AmazonSQS.ListQueues', body: '[]', type: 'SerializationException' },
  { kind: 'sqs-http', name: 'body null', target: 'AmazonSQS.ListQueues', body: 'null', type: 'SerializationException' },
  { kind: 'sqs-http', name: 'MessageBody an object', target: 'AmazonSQS.SendMessage', body: json({ QueueUrl: 'http://x/1/q', MessageBody: {} }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'Entries a string', target: 'AmazonSQS.SendMessageBatch', body: json({ QueueUrl: 'http://x/1/q', Entries: 'x' }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'Entries an object', target: 'AmazonSQS.DeleteMessageBatch', body: json({ QueueUrl: 'http://x/1/q', Entries: {} }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'Entries [null]', target: 'AmazonSQS.SendMessageBatch', body: json({ QueueUrl: 'http://x/1/q', Entries: [null] }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'Entries [null] (visibility)', target: 'AmazonSQS.ChangeMessageVisibilityBatch', body: json({ QueueUrl: 'http://x/1/q', Entries: [null] }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'DelaySeconds a string', target: 'AmazonSQS.SendMessage', body: json({ QueueUrl: 'http://x/1/q', MessageBody: 'x', DelaySeconds: '5' }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'DelaySeconds a fraction', target: 'AmazonSQS.SendMessage', body: json({ QueueUrl: 'http://x/1/q', MessageBody: 'x', DelaySeconds: 1.5 }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'MaxResults beyond 32 bits', target: 'AmazonSQS.ListQueues', body: json({ MaxResults: 1e20 }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'QueueUrl a number', target: 'AmazonSQS.GetQueueAttributes', body: json({ QueueUrl: 5 }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'attribute value a number', target: 'AmazonSQS.CreateQueue', body: json({ QueueName: 'q', Attributes: { VisibilityTimeout: 5 } }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'message attribute null', target: 'AmazonSQS.SendMessage', body: json({ QueueUrl: 'http://x/1/q', MessageBody: 'x', MessageAttributes: { a: null } }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'AttributeNames a string', target: 'AmazonSQS.GetQueueAttributes', body: json({ QueueUrl: 'http://x/1/q', AttributeNames: 'All' }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'WaitTimeSeconds a string', target: 'AmazonSQS.ReceiveMessage', body: json({ QueueUrl: 'http://x/1/q', WaitTimeSeconds: '20' }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'a body over 4 MB', target: 'AmazonSQS.SendMessage', body: json({ QueueUrl: 'http://x/1/q', MessageBody: 'x'.repeat(5 * 1024 * 1024) }), type: 'SerializationException' },
  { kind: 'sqs-http', name: 'queue name too long', target: 'AmazonSQS.CreateQueue', body: json({ QueueName: 'q'.repeat(100) }), type: 'InvalidParameterValue' },
];

const page = (items: unknown) => json({ items, page_count: 1, page: 1, item_count: Array.isArray(items) ? items.length : 0 });
const OVERVIEW = json({ management_version: '3.10.8', rabbitmq_version: '3.10.8' });

/** A management API that answers `overview` for /api/overview and `rest` for everything else. */
function api(rest: (path: string) => { status: number; body: string; contentType?: string }) {
  return (path: string) => (path.startsWith('/api/overview') ? { status: 200, body: OVERVIEW } : rest(path));
}
const listing = (what: string, answer: string) => api((path) => ({ status: 200, body: path.startsWith(`/api/${what}/`) ? answer : path.startsWith('/api/queues/') || path.startsWith('/api/exchanges/') ? page([]) : '[]' }));

/** Broken management APIs (a fake server answering garbage): policy-check must say what is wrong, exit 2, one line. */
export const API_CASES: ApiCase[] = [
  { kind: 'management-api', name: 'an HTML page with status 200', answer: () => ({ status: 200, body: '<html><body>proxy login</body></html>', contentType: 'text/html' }), message: /answered malformed JSON \(text\/html/ },
  { kind: 'management-api', name: '500 everywhere', answer: () => ({ status: 500, body: 'oops' }), message: /answered HTTP 500/ },
  { kind: 'management-api', name: '404 everywhere (not the management API)', answer: () => ({ status: 404, body: json({ error: 'Object Not Found', reason: 'Not Found' }) }), message: /no RabbitMQ management API at .* answered HTTP 404/ },
  { kind: 'management-api', name: '404 for the vhost only', answer: api(() => ({ status: 404, body: json({ error: 'Object Not Found', reason: 'Not Found' }) })), message: /vhost not found: '\/'/ },
  { kind: 'management-api', name: '401 Login failed', answer: () => ({ status: 401, body: json({ error: 'not_authorized', reason: 'Login failed' }) }), message: /^authentication failed: RabbitMQ management API at/ },
  { kind: 'management-api', name: '403 with an escape sequence in the reason', answer: () => ({ status: 403, body: json({ error: 'not_authorized', reason: 'no\u001b[31m::error::x' }) }), message: /^unauthorised: .*no\\u001b\[31m::error::x/ },
  { kind: 'management-api', name: 'a page without items', answer: listing('queues', json({ page_count: 1 })), message: /a page without items or page_count/ },
  { kind: 'management-api', name: 'items a string', answer: listing('queues', json({ items: 'x', page_count: 1 })), message: /a page without items or page_count/ },
  { kind: 'management-api', name: 'a queue that is null', answer: listing('queues', page([null])), message: /queue .*not an object with a name/ },
  { kind: 'management-api', name: 'a queue whose name is a number', answer: listing('queues', page([{ name: 5, type: 'quorum' }])), message: /queue .*not an object with a name/ },
  { kind: 'management-api', name: 'queue arguments a string', answer: listing('queues', page([{ name: 'q', arguments: 'x-delivery-limit=5' }])), message: /arguments .*not an object/ },
  { kind: 'management-api', name: 'policies not a list', answer: listing('policies', json({ policies: [] })), message: /answered something other than a list/ },
  { kind: 'management-api', name: 'a policy without a pattern', answer: listing('policies', json([{ name: 'p', definition: {} }])), message: /polic.*pattern/ },
  { kind: 'management-api', name: 'a policy definition that is a list', answer: listing('policies', json([{ name: 'p', pattern: '.*', definition: [] }])), message: /polic.*definition/ },
  { kind: 'management-api', name: 'a binding that is a number', answer: listing('bindings', json([7])), message: /binding/ },
  { kind: 'management-api', name: 'a truncated JSON answer', answer: listing('bindings', '[{"source":"esr.dlx","dest'), message: /answered malformed JSON/ },
];

export const BAD_INPUT_TABLE: readonly BadInputCase[] = [...FILE_CASES, ...OPTION_CASES, ...BODY_CASES, ...HTTP_CASES, ...API_CASES];
