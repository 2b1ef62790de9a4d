import { resolve } from 'node:path';
import { InputError } from '../config/validated-yaml.js';
import { resolveFromEnvironment } from '../policy/load.js';
import type { Environment, RabbitmqBinding, SqsBinding } from '../policy/types.js';
import type { ConsumerRetry, Source } from '../sources/queue-settings.js';
import { bindQueues, type LoadedEnvironment, type ReadQueue } from './bind.js';

export interface ReadOptions {
  /** Extra files (`--source FILE`), relative to the working directory. */
  extraFiles?: readonly string[];
  /** Where credentials are looked up by name (normally process.env). */
  environ: Readonly<Record<string, string | undefined>>;
  /** Told every secret read, so that the caller can scrub it from any output. */
  registerSecret?: (secret: string) => void;
}

/** RabbitMQ's built-in guest user, which the broker accepts only from localhost: the `local` environment needs no secrets. */
const LOCAL_GUEST = { username: 'guest', password: 'guest' };

/** Reads secrets by env-var name; a name that is not set is bad input naming the environment's line. */
function secretsOf<K extends string>(environment: Environment, names: Record<K, string>, options: ReadOptions): Record<K, string> {
  const values = {} as Record<K, string>;
  for (const [key, name] of Object.entries(names) as [K, string][]) {
    const value = options.environ[name];
    if (!value) {
      throw new InputError(environment.file, environment.credentialsLine ?? null, null, `environment variable ${name} is not set (credentials of environment ${environment.name})`);
    }
    values[key] = value;
  }
  return values;
}

function rabbitmqCredentials(environment: Environment, rabbitmq: RabbitmqBinding, options: ReadOptions): { username: string; password: string } {
  if (!rabbitmq.credentials) return LOCAL_GUEST;
  const { usernameEnv, passwordEnv } = rabbitmq.credentials;
  const found = secretsOf(environment, { username: usernameEnv, password: passwordEnv }, options);
  options.registerSecret?.(found.password);
  return found;
}

function sqsCredentials(environment: Environment, sqs: SqsBinding, options: ReadOptions): { accessKeyId: string; secretAccessKey: string } | undefined {
  if (!sqs.credentials) return undefined;
  const { accessKeyIdEnv, secretAccessKeyEnv } = sqs.credentials;
  const found = secretsOf(environment, { accessKeyId: accessKeyIdEnv, secretAccessKey: secretAccessKeyEnv }, options);
  options.registerSecret?.(found.secretAccessKey);
  return found;
}

async function sourcesOf(environment: Environment, options: ReadOptions): Promise<Source[]> {
  const sources: Source[] = [];
  if (environment.rabbitmq) {
    const { rabbitmqLiveSource } = await import('../sources/rabbitmq-live.js');
    const { managementUrl, vhost, vhosts, version } = environment.rabbitmq;
    const credentials = rabbitmqCredentials(environment, environment.rabbitmq, options);
    for (const each of new Set([vhost, ...(vhosts ?? [])])) sources.push(rabbitmqLiveSource({ managementUrl, vhost: each, ...credentials, ...(version ? { version } : {}) }));
  }
  if (environment.sqs) {
    const { sqsLiveSource } = await import('../sources/sqs-live.js');
    const { region, endpoint, queueNamePrefix, queueNamePrefixes } = environment.sqs;
    const credentials = sqsCredentials(environment, environment.sqs, options);
    const prefixes = queueNamePrefixes === undefined ? [queueNamePrefix] : [...new Set([...(queueNamePrefix === undefined ? [] : [queueNamePrefix]), ...queueNamePrefixes])];
    for (const prefix of prefixes) {
      sources.push(sqsLiveSource({ region, ...(endpoint ? { endpoint } : {}), ...(prefix ? { queueNamePrefix: prefix } : {}), ...(credentials ? { credentials } : {}) }));
    }
  }
  const files = [...(environment.files ?? []).map((file) => resolveFromEnvironment(environment, file)), ...(options.extraFiles ?? []).map((file) => resolve(file))];
  if (files.length > 0) {
    // one source: API listings / AWS CLI files given separately are read together (a vhost's queues with its policies)
    const { filesSource } = await import('../sources/files.js');
    sources.push(filesSource(files));
  }
  if (sources.length === 0) {
    throw new InputError(environment.file, 1, 1, `environment ${environment.name} has no source: give rabbitmq, sqs or files (or pass --source FILE)`);
  }
  return sources;
}

async function consumersOf(environment: Environment): Promise<Map<string, ConsumerRetry>> {
  const bindings = Object.entries(environment.queues).filter(([, binding]) => binding.consumerConfig !== undefined);
  if (bindings.length === 0) return new Map();
  const { readConsumerRetry } = await import('../sources/consumer-config.js');
  // Many queues share one consumer's config: read each file once.
  const byFile = new Map<string, Promise<ConsumerRetry>>();
  const readOnce = (file: string): Promise<ConsumerRetry> => {
    let read = byFile.get(file);
    if (!read) byFile.set(file, (read = readConsumerRetry(file)));
    return read;
  };
  const read = await Promise.all(
    bindings.map(async ([logical, binding]) => [logical, await readOnce(resolveFromEnvironment(environment, binding.consumerConfig ?? ''))] as const),
  );
  return new Map(read);
}

/** Reads every source of an environment (in parallel; read-only) and binds its logical queues. */
export async function readEnvironment(environment: Environment, options: ReadOptions): Promise<LoadedEnvironment> {
  const sources = await sourcesOf(environment, options);
  const [batches, consumers] = await Promise.all([
    Promise.all(sources.map(async (source) => (await source.load()).map((settings): ReadQueue => ({ settings, source: source.description })))),
    consumersOf(environment),
  ]);
  return bindQueues(environment, batches.flat(), consumers);
}
