/**
 * The consumer's own retry, from a Spring Boot `application.yml` / `application.properties`:
 * Spring AMQP listener retry (`spring.rabbitmq.listener.<simple|direct>.retry.*`,
 * `default-requeue-rejected`) and the Spring Cloud AWS generation (2.x `cloud.aws.*` deletes a failed
 * message when the queue has no redrive policy; 3.x `spring.cloud.aws.*` leaves it to redelivery).
 * Defaults are Spring Boot's; keys use Spring's relaxed binding (max-attempts = maxAttempts).
 */
import { extname } from 'node:path';
import { readInputFile } from '../config/input-file.js';
import { isAlias, isMap, isScalar, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { SourceError } from './errors.js';
import type { ConsumerRetry, Provenance } from './queue-settings.js';

interface Entry {
  /** The key as written. */
  key: string;
  value: unknown;
  line: number;
}

/** Keys and aliases followed at most: a real application.yml has a few hundred. */
const MAX_YAML_NODES = 10_000;

/** Spring Boot's defaults for the listener retry (RabbProperties.ListenerRetry) and the container. */
const SPRING_DEFAULTS = { enabled: false, maxAttempts: 3, initialIntervalMs: 1000, multiplier: 1, maxIntervalMs: 10_000, defaultRequeueRejected: true };

/** Relaxed binding: `maxAttempts`, `max-attempts` and `max_attempts` are one key. */
function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function parseProperties(text: string): Entry[] {
  const entries: Entry[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const start = index;
    let line = lines[index] ?? '';
    while (line.endsWith('\\') && index + 1 < lines.length) line = line.slice(0, -1) + (lines[++index] ?? '').trimStart();
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) continue;
    const separator = /[=:]/.exec(trimmed);
    const key = separator === null ? trimmed : trimmed.slice(0, separator.index).trim();
    const value = separator === null ? '' : trimmed.slice(separator.index + 1).trim();
    entries.push({ key, value, line: start + 1 });
  }
  return entries;
}

function parseYaml(text: string, file: string): Entry[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(documents)) return [];
  const entries: Entry[] = [];
  for (const document of documents) {
    const error = document.errors[0];
    if (error !== undefined) {
      const at = lineCounter.linePos(error.pos[0]);
      throw new SourceError(`${file}:${at.line}:${at.col}: ${error.message.split('\n')[0] ?? 'invalid YAML'}`);
    }
    const found: Entry[] = [];
    let visited = 0;
    const walk = (node: unknown, prefix: string, line: number): void => {
      if (++visited > MAX_YAML_NODES) throw new SourceError(`${file}:${line}: more than ${MAX_YAML_NODES} keys (an alias bomb?)`);
      if (isAlias(node)) {
        const target = node.resolve(document);
        if (target === undefined) throw new SourceError(`${file}:${line}: the alias *${node.source} names no anchor`);
        walk(target, prefix, line);
      } else if (isMap(node)) {
        for (const pair of node.items) {
          const keyNode = pair.key;
          const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
          const keyLine = isScalar(keyNode) && keyNode.range ? lineCounter.linePos(keyNode.range[0]).line : line;
          walk(pair.value, prefix === '' ? key : `${prefix}.${key}`, keyLine);
        }
      } else if (isScalar(node) && prefix !== '') {
        found.push({ key: prefix, value: node.value, line });
      }
    };
    walk(document.contents as YamlNode | null, '', 1);
    // profile-specific documents apply only when that profile is active: the base config is what runs by default
    if (found.some((e) => ['spring.config.activate.onprofile', 'spring.profiles'].includes(normalise(e.key)))) continue;
    entries.push(...found);
  }
  return entries;
}

class Config {
  private readonly byKey = new Map<string, Entry>();

  constructor(
    entries: Entry[],
    private readonly file: string,
  ) {
    for (const entry of entries) this.byKey.set(normalise(entry.key), entry); // a later document overrides
  }

  get(key: string): Entry | undefined {
    return this.byKey.get(normalise(key));
  }

  hasPrefix(prefix: string): Entry | undefined {
    const wanted = normalise(prefix);
    for (const [key, entry] of this.byKey) if (key.startsWith(wanted)) return entry;
    return undefined;
  }

  /** The value as text, with `${NAME:default}` placeholders taken at their default. */
  text(key: string): string | undefined {
    const entry = this.get(key);
    if (entry === undefined) return undefined;
    const raw = String(entry.value).trim();
    const placeholder = /^\$\{[^:}]+(?::([^}]*))?\}$/.exec(raw);
    if (placeholder === null) return raw;
    if (placeholder[1] === undefined) {
      throw new SourceError(`${this.file}:${entry.line}: ${entry.key} is the placeholder ${raw} without a default: its value is decided at run time`);
    }
    return placeholder[1].trim();
  }

  fail(key: string, expected: string): never {
    const entry = this.get(key);
    throw new SourceError(`${this.file}:${entry?.line ?? 1}: ${entry?.key ?? key} must be ${expected}, not '${String(entry?.value)}'`);
  }

  boolean(key: string): boolean | undefined {
    const value = this.text(key)?.toLowerCase();
    if (value === undefined) return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    return this.fail(key, 'true or false');
  }

  number(key: string, integer: boolean): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (value === '' || !Number.isFinite(parsed) || (integer && !Number.isInteger(parsed))) return this.fail(key, integer ? 'an integer' : 'a number');
    return parsed;
  }

  durationMs(key: string): number | undefined {
    const value = this.text(key);
    if (value === undefined) return undefined;
    const parsed = parseDurationMs(value);
    return parsed ?? this.fail(key, "a duration (1000, '1s', '500ms', 'PT1S')");
  }
}

/**
 * Spring Cloud AWS 2.x `SqsMessageDeletionPolicy` (set on `@SqsListener(deletionPolicy = …)`; the
 * default NO_REDRIVE), written in the config under this key so the verifier can see it. ALWAYS
 * deletes a failed message even with a redrive policy: worse still, but this flag is the closest.
 */
const DELETION_POLICY_KEY = 'cloud.aws.sqs.listener.deletion-policy';
const DELETES_ON_FAILURE_WITHOUT_REDRIVE: Record<string, boolean> = { NO_REDRIVE: true, ALWAYS: true, ON_SUCCESS: false, NEVER: false };

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Spring Boot durations: a bare number is milliseconds; `10s`, `500ms`; ISO-8601 `PT1.5S`. */
export function parseDurationMs(text: string): number | null {
  const simple = /^(\d+(?:\.\d+)?)\s*(ns|us|ms|s|m|h|d)?$/i.exec(text.trim());
  if (simple !== null) return Number(simple[1]) * (UNIT_MS[(simple[2] ?? 'ms').toLowerCase()] ?? 1);
  const iso = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(text.trim());
  if (iso === null || text.trim().length <= 2) return null;
  return (Number(iso[1] ?? 0) * 3600 + Number(iso[2] ?? 0) * 60 + Number(iso[3] ?? 0)) * 1000;
}

/** Pure: the parsed entries of a config file → the consumer's retry. */
export function consumerRetryOf(entries: Entry[], file: string): ConsumerRetry {
  const config = new Config(entries, file);
  const container = config.text('spring.rabbitmq.listener.type') ?? 'simple';
  const prefix = `spring.rabbitmq.listener.${container}`;
  const enabled = config.boolean(`${prefix}.retry.enabled`) ?? SPRING_DEFAULTS.enabled;
  const defaultRequeueRejected = config.boolean(`${prefix}.default-requeue-rejected`) ?? SPRING_DEFAULTS.defaultRequeueRejected;
  const springCloudAws2 = config.hasPrefix('cloud.aws.');
  const deletionPolicy = config.text(DELETION_POLICY_KEY)?.toUpperCase();
  if (deletionPolicy !== undefined && !(deletionPolicy in DELETES_ON_FAILURE_WITHOUT_REDRIVE)) {
    config.fail(DELETION_POLICY_KEY, Object.keys(DELETES_ON_FAILURE_WITHOUT_REDRIVE).join(', '));
  }
  const anchor =
    config.get(`${prefix}.retry.enabled`) ??
    config.get(`${prefix}.retry.max-attempts`) ??
    config.get(`${prefix}.default-requeue-rejected`) ??
    springCloudAws2 ??
    config.hasPrefix('spring.cloud.aws.');
  const from: Provenance = {
    source: 'consumer-config',
    origin: 'consumer-config',
    detail: anchor?.key ?? 'Spring AMQP defaults (no listener retry keys)',
    file,
    ...(anchor === undefined ? {} : { line: anchor.line }),
  };
  return {
    enabled,
    // one attempt per delivery when retry is off
    maxAttempts: enabled ? (config.number(`${prefix}.retry.max-attempts`, true) ?? SPRING_DEFAULTS.maxAttempts) : 1,
    initialIntervalMs: config.durationMs(`${prefix}.retry.initial-interval`) ?? SPRING_DEFAULTS.initialIntervalMs,
    multiplier: config.number(`${prefix}.retry.multiplier`, false) ?? SPRING_DEFAULTS.multiplier,
    maxIntervalMs: config.durationMs(`${prefix}.retry.max-interval`) ?? SPRING_DEFAULTS.maxIntervalMs,
    // retry exhausted → RejectAndDontRequeueRecoverer; without retry the container's default decides
    requeueRejected: enabled ? false : defaultRequeueRejected,
    deletesOnFailureWithoutRedrive:
      deletionPolicy === undefined ? springCloudAws2 !== undefined : (DELETES_ON_FAILURE_WITHOUT_REDRIVE[deletionPolicy] ?? true),
    from,
  };
}

/** Only keys under these are read: a file with none of them is not a Spring consumer config. */
const SPRING_PREFIXES = ['spring.', 'cloud.aws.'];

/**
 * What is not a Spring config must not pass as "Spring AMQP defaults": a binary, an empty file, a
 * YAML document that is not a map (/etc/passwd reads as one string), a map without any `spring.*`
 * or `cloud.aws.*` key (package.json). Refused with the file, the line and what was expected.
 */
function refuseNonSpring(text: string, entries: readonly Entry[], file: string): void {
  const expected = 'expected a Spring Boot application.yml / .properties with spring.* or cloud.aws.* keys';
  const nul = text.indexOf('\u0000');
  if (nul >= 0 || text.includes('\uFFFD')) {
    const at = nul >= 0 ? nul : text.indexOf('\uFFFD');
    throw new SourceError(`${file}:${text.slice(0, at).split('\n').length}: a binary file, not text: ${expected}`);
  }
  if (entries.some((entry) => SPRING_PREFIXES.some((prefix) => normalise(entry.key).startsWith(normalise(prefix))))) return;
  const first = entries[0];
  const what = text.trim() === '' ? 'an empty file' : first === undefined ? 'no key: value entries' : `no spring.* or cloud.aws.* key (first key: ${first.key})`;
  throw new SourceError(`${file}:${first?.line ?? 1}: ${what}: ${expected}`);
}

export async function readConsumerRetry(path: string): Promise<ConsumerRetry> {
  const text = await readInputFile(path);
  const entries = extname(path).toLowerCase() === '.properties' ? parseProperties(text) : parseYaml(text, path);
  refuseNonSpring(text, entries, path);
  return consumerRetryOf(entries, path);
}
