/**
 * Crash trials with real processes: `esr-export run` consumers are killed with SIGKILL at seeded random
 * moments of the 13-office burst, restarted, and left to finish; then the files on disk, the store and
 * the broker are checked against the engine's promises. Used by test/crash/kill9.test.ts (a few trials)
 * and bench/crash.bench.ts (many).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEsrFile } from '../../src/domain/esr-file.js';
import { parseFileName } from '../../src/domain/file-name.js';
import { OFFICE_CODES } from '../../src/domain/offices.js';
import { Random } from '../../src/domain/random.js';
import type { Store } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { MongoStore } from '../../src/store/mongo.js';
import { startSqsLocal } from '../../src/brokers/sqs-local/server.js';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { S3Client } from '@aws-sdk/client-s3';
import { S3Outbox } from '../../src/engine/outboxes/s3.js';
import { closedPort, createVhost, deleteVhost, managementApi } from '../support/rabbitmq-management.js';
import { startS3Server } from '../support/s3-server.js';

export type CrashBroker = 'rabbitmq' | 'sqs';
export type CrashStore = 'sqlite' | 'mongodb';
export type CrashOutbox = 'folder' | 's3';

export interface TrialOptions {
  broker: CrashBroker;
  store: CrashStore;
  /** Where the files go: a local folder (default) or an S3 bucket on an s3rver the trial starts. */
  outbox?: CrashOutbox;
  seed: number;
  /** How many consumer processes are killed (and restarted) during the burst. */
  kills: number;
  consumers?: number;
  perOffice?: number;
  /** Which runs the burst fires; default both, APP only on MongoDB (FerretDB makes each command ~1 s). */
  types?: 'APP' | 'all';
  /** MongoDB-compatible server; required for store 'mongodb'. */
  mongodbUri?: string;
  /** Runs during the burst, e.g. closing the broker's connections or restarting the database. */
  disturb?: Disturbance;
}

/** What a disturbance did (connections closed, restarts). */
type Disturbance = ((context: { vhost: string | null; random: Random }) => Promise<number>) & {
  /** It acts on the consumers' connections: the burst is published only once the management API lists them. */
  actsOnConnections?: true;
};

export interface TrialResult {
  seed: number;
  broker: CrashBroker;
  store: CrashStore;
  outbox: CrashOutbox;
  kills: number;
  /** What the disturbance did (connections closed, database restarts); 0 without one. */
  disturbances: number;
  /** Kills that hit a consumer still at work (not one that had already stopped). */
  midBurstKills: number;
  files: number;
  records: number;
  /** Records found in more than one file. */
  duplicatedRecords: number;
  /** (type, sequence) pairs used by more than one file. */
  reusedSequences: number;
  /** Burst commands that neither produced their file nor sit in the dead-letter queue. */
  lostCommands: number;
  /** Commands still queued or in flight (not dead-lettered) after the drain: must be 0. */
  stillOnBroker: number;
  deadLettered: number;
  leftoverTempFiles: number;
  /** Disagreements between the store and the files (record EXPORTED into a file that lacks it, …). */
  storeMismatches: number;
  /** After the operators' remedies (trigger again, dlq replay): files that appeared for records already exported. */
  remedyDuplicates: number;
  problems: string[];
  /** Wall-clock seconds of the trial, set-up and clean-up included. */
  seconds: number;
}

/** ESR_CRASH_BIN: another build to try (e.g. a copy of bin/ and dist/ kept while the tree is rebuilt). */
const BIN = process.env.ESR_CRASH_BIN ?? new URL('../../bin/esr-export.js', import.meta.url).pathname;
const RUN_DATE = '2021-07-31';

interface Consumer {
  child: ChildProcess;
  /** Outcome lines printed so far: one per command handled. */
  outcomes(): number;
  /** True once it has said it is consuming (connected, topology declared). */
  consuming(): boolean;
}

interface Cli {
  run(args: string[], timeoutMs?: number): Promise<{ code: number | null; out: string; err: string }>;
  spawnConsumer(args: string[]): Consumer;
  /** Kills every consumer still running: a trial that failed half-way leaves none behind. */
  killConsumers(): void;
}

/** The trial's own settings only: an inherited MONGODB_URI or S3_ENDPOINT would send a `--state` (SQLite) trial to MongoDB, or the files elsewhere. */
const INHERITED_OUT = ['MONGODB_URI', 'S3_ENDPOINT', 'SQS_ENDPOINT', 'AMQP_URL'];

function cliWith(env: NodeJS.ProcessEnv): Cli {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED_OUT.includes(name)));
  const options: SpawnOptions = { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] };
  const children: ChildProcess[] = [];
  return {
    run(args, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], options);
        let out = '';
        let err = '';
        child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
        child.stderr!.on('data', (chunk: Buffer) => (err += chunk));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`esr-export ${args.join(' ')} did not finish in ${timeoutMs} ms\n${err}`));
        }, timeoutMs);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, out, err });
        });
      });
    },
    spawnConsumer(args) {
      const child = spawn(process.execPath, [BIN, ...args], options);
      children.push(child);
      let lines = 0;
      let consuming = false;
      child.stdout!.on('data', (chunk: Buffer) => (lines += chunk.toString().split('\n').length - 1));
      child.stderr!.on('data', (chunk: Buffer) => (consuming ||= chunk.toString().includes('consuming from')));
      return { child, outcomes: () => lines, consuming: () => consuming };
    },
    killConsumers() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('close', () => resolve()));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long a command of a killed SQS consumer stays hidden before another one can take it. Far above
 * a handler's time (a stale receipt handle would make every delivery a failure, see
 * scenarios/sqs-visibility-race.yaml), far below SQS's 30 s default, which made a trial wait 31 s.
 */
const SQS_VISIBILITY_SECONDS: Record<CrashStore, number> = { sqlite: 3, mongodb: 5 };
/** A consumer stops once no command has arrived for this long: the burst's commands are queued before the first one starts. */
const IDLE_MS = 1_000;
/**
 * The management API lists a connection only at its next statistics round, up to 5 s after it opened
 * (measured on RabbitMQ 3.10: 1.0–4.8 s; a DELETE before that is a 404), while a burst is over in a
 * second or two. A disturbance that closes connections therefore has its consumers connected and
 * listed before the burst is published: they start without an idle stop, and are stopped once quiet.
 */
const LISTING_WAIT_MS = 20_000;
/** A consumer process starts in well under a second, but in CI it shares 2 cores with other test files. */
const START_WAIT_MS = 60_000;

export async function runCrashTrial(options: TrialOptions): Promise<TrialResult> {
  const started = Date.now();
  const random = new Random(options.seed);
  const dir = await mkdtemp(join(tmpdir(), `esr-crash-${options.seed}-`));
  const tag = `crash-${options.seed}-${randomUUID().slice(0, 8)}`;
  const outboxKind = options.outbox ?? 'folder';
  const s3 = outboxKind === 's3' ? await startS3Server([tag]) : null;
  const outbox = s3 ? `s3://${tag}/crash` : join(dir, 'outbox');
  const files: OutboxFiles = s3 ? s3Files(new S3Outbox(outbox, new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: s3.env.AWS_REGION, credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY } }))) : folderFiles(outbox);
  let vhost: string | null = null;
  let sqs: Awaited<ReturnType<typeof startSqsLocal>> | null = null;
  const env: NodeJS.ProcessEnv = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...s3?.env };
  const brokerArgs: string[] = [];
  const visibilitySeconds = SQS_VISIBILITY_SECONDS[options.store];
  if (options.broker === 'rabbitmq') {
    vhost = tag;
    await createVhost(vhost);
    brokerArgs.push('--broker', 'rabbitmq', '--amqp-url', `amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`);
  } else {
    sqs = await startSqsLocal({ port: 0 });
    brokerArgs.push('--broker', 'sqs', '--endpoint', sqs.endpoint, '--region', 'eu-west-2', '--sqs-visibility-timeout', String(visibilitySeconds));
  }
  let storeArgs: string[];
  let mongoUri: string | null = null;
  if (options.store === 'sqlite') {
    storeArgs = ['--state', join(dir, 'state.sqlite')];
  } else {
    if (!options.mongodbUri) throw new Error('store mongodb needs mongodbUri');
    mongoUri = withDatabase(options.mongodbUri, tag.replaceAll('-', '_'));
    storeArgs = ['--mongodb-uri', mongoUri];
  }
  const outboxArgs = s3 ? ['--outbox', outbox, '--s3-endpoint', s3.endpoint] : ['--outbox', outbox];
  const common = [...storeArgs, ...outboxArgs, ...brokerArgs, '--retry-delay-ms', '200', '--max-deliveries', '20'];
  const cli = cliWith(env);
  const problems: string[] = [];
  const broker: BrokerWork = vhost ? rabbitWork(vhost) : sqsWork(sqs!.endpoint, visibilitySeconds);
  /** A last consumer takes whatever a killed one left unacked, once the broker shows it again. */
  const drain = async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      await broker.settled();
      if ((await broker.work()) === 0) return;
      const drained = await cli.run(['run', ...common, '--consumers', '2', '--until-idle', String(IDLE_MS)], 120_000);
      if (drained.code !== 0) problems.push(`drain run exited ${drained.code}: ${drained.err.trim().split('\n').at(-1)}`);
    }
  };
  try {
    // FerretDB over PostgreSQL writes ~200 documents/s under load: fewer records keep a trial short.
    const perOffice = options.perOffice ?? (options.store === 'mongodb' ? 30 : 400);
    const types = options.types ?? (options.store === 'mongodb' ? 'APP' : 'all');
    const seed = () => cli.run(['seed', ...storeArgs, '--outbox', join(dir, 'unused'), '--date', RUN_DATE, '--per-office', String(perOffice), '--dnc-per-office', String(Math.ceil(perOffice / 10))], 180_000);
    const schedule = () => cli.run(['schedule', ...common, '--date', RUN_DATE, '--type', types]);
    const consumers = options.consumers ?? 2;
    const runArgs = ['run', ...common, '--consumers', '1', '--until-idle', String(IDLE_MS)];
    let running: Consumer[];
    let seeded, scheduled;
    let unbounded: Consumer[] = [];
    if (options.disturb?.actsOnConnections && vhost) {
      // The listing's lag is timed from the moment the consumers connected, not from their (slower, loaded) start.
      running = Array.from({ length: consumers }, () => cli.spawnConsumer(['run', ...common, '--consumers', '1']));
      unbounded = [...running];
      const listed = async () => {
        await untilConsuming(running, START_WAIT_MS);
        await listedConnections(vhost!, consumers, LISTING_WAIT_MS);
      };
      [seeded] = await Promise.all([seed(), listed()]);
      scheduled = seeded.code === 0 ? await schedule() : seeded;
    } else {
      // Seeding needs no broker and scheduling no store records: both at once.
      [seeded, scheduled] = await Promise.all([seed(), schedule()]);
      running = Array.from({ length: consumers }, () => cli.spawnConsumer(runArgs));
    }
    if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.err}`);
    if (scheduled.code !== 0) throw new Error(`schedule failed: ${scheduled.err}`);

    const disturbance = options.disturb?.({ vhost, random: random.fork('disturb') }) ?? Promise.resolve(0);
    const burst = types === 'all' ? 2 * OFFICE_CODES.length : OFFICE_CODES.length;
    let handledByKilled = 0;
    const handled = () => handledByKilled + running.reduce((total, consumer) => total + consumer.outcomes(), 0);
    // Each kill aims inside the burst: once a seeded number of its commands have been handled, a
    // consuming process is killed a random few milliseconds later, between or inside the handler's steps.
    const thresholds = Array.from({ length: options.kills }, () => random.int(0, burst - 1)).sort((a, b) => a - b);
    let midBurstKills = 0;
    for (const threshold of thresholds) {
      const deadline = Date.now() + 20_000;
      const consuming = () => running.filter((consumer) => consumer.consuming() && consumer.child.exitCode === null);
      while ((handled() < threshold || consuming().length === 0) && running.some((c) => c.child.exitCode === null) && Date.now() < deadline) await sleep(5);
      const candidates = consuming();
      const victim = candidates.length > 0 ? random.pick(candidates) : random.pick(running);
      await sleep(random.int(0, 119));
      // Mid-burst: the victim was consuming while commands of the burst were still unhandled.
      if (victim.child.exitCode === null && victim.consuming() && handled() < burst) midBurstKills++;
      victim.child.kill('SIGKILL');
      await exited(victim.child);
      handledByKilled += victim.outcomes();
      running[running.indexOf(victim)] = cli.spawnConsumer(runArgs);
    }
    const disturbances = await disturbance;
    await stopOnceQuiet(unbounded, handled);
    await Promise.all(running.map((consumer) => exited(consumer.child)));
    await drain();
    const stillOnBroker = await broker.work();
    if (stillOnBroker > 0) problems.push(`${stillOnBroker} command(s) still on the broker after the drain`);

    const [before, letters] = await Promise.all([inspectOutbox(files), deadLetters(cli, common)]);
    const store = await openStore(options.store, dir, mongoUri);
    let mismatches: string[];
    let commandFates: { lost: string[] };
    try {
      mismatches = await storeAgainstFiles(store, before.recordFile);
      commandFates = await fatesOf(store, letters, types === 'all' ? ['APP', 'DNC'] : ['APP']);
    } finally {
      await store.close();
    }

    // The operators' remedies: trigger an office again, replay the DLQ; neither may write a second copy.
    // A consumer starts with them; one that calls the queue idle before their commands arrive is followed by the drain.
    const [remedy] = await Promise.all([
      cli.run(['trigger', ...common, '--office', 'SEV', '--type', 'APP', '--date', RUN_DATE]),
      cli.run(['dlq', 'replay', ...common]),
      cli.run(runArgs, 120_000),
    ]);
    if (remedy.code !== 0) problems.push(`trigger again exited ${remedy.code}: ${remedy.err.trim()}`);
    await drain();
    const leftAfterRemedies = await broker.work();
    if (leftAfterRemedies > 0) problems.push(`${leftAfterRemedies} command(s) still on the broker after the remedies`);
    const after = await inspectOutbox(files);

    problems.push(...before.problems, ...mismatches, ...commandFates.lost.map((c) => `lost command ${c}`));
    return {
      seed: options.seed,
      broker: options.broker,
      store: options.store,
      outbox: outboxKind,
      kills: options.kills,
      disturbances,
      midBurstKills,
      files: before.files,
      records: before.recordFile.size,
      duplicatedRecords: before.duplicatedRecords,
      reusedSequences: before.reusedSequences,
      lostCommands: commandFates.lost.length,
      stillOnBroker,
      deadLettered: letters.length,
      leftoverTempFiles: before.tempFiles,
      storeMismatches: mismatches.length,
      remedyDuplicates: after.duplicatedRecords + (after.files - before.files),
      problems,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    cli.killConsumers();
    if (vhost) await deleteVhost(vhost).catch(() => undefined);
    await sqs?.close();
    await s3?.close();
    if (mongoUri) await dropDatabase(mongoUri).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

const isDeadLetterQueue = (name: string) => /dlq|dead/i.test(name);

/** What a trial asks the broker once its consumers have stopped. */
interface BrokerWork {
  /** Commands not yet settled (queued, in flight, delayed), dead-letter queues aside: 0 when done. */
  work(): Promise<number>;
  /** Resolves once no command is hidden from consumers (SQS: a killed consumer's, until its visibility timeout ends). */
  settled(): Promise<void>;
}

/**
 * Messages in the vhost's queues other than dead-letter queues, counted by the broker itself (a passive
 * declare): the management API's counts are sampled every few seconds and still showed handled commands.
 * With every consumer stopped nothing is unacknowledged (RabbitMQ requeues a closed connection's at once).
 */
function rabbitWork(vhost: string): BrokerWork {
  return {
    async work() {
      const queues = (await managementApi('GET', `/queues/${encodeURIComponent(vhost)}`)) as { name: string }[];
      const connection = await connect(`amqp://guest:guest@127.0.0.1:5672/${encodeURIComponent(vhost)}`);
      try {
        const channel = await connection.createChannel();
        let total = 0;
        for (const { name } of queues.filter((q) => !isDeadLetterQueue(q.name))) total += (await channel.checkQueue(name)).messageCount;
        return total;
      } finally {
        await connection.close();
      }
    },
    settled: async () => undefined,
  };
}

/** Visible, in-flight and delayed messages in the endpoint's queues other than dead-letter queues. */
function sqsWork(endpoint: string, visibilitySeconds: number): BrokerWork {
  const counts = async () => {
    const client = new SQSClient({ endpoint, region: 'eu-west-2', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      const { QueueUrls = [] } = await client.send(new ListQueuesCommand({}));
      const total = { visible: 0, hidden: 0 };
      for (const url of QueueUrls.filter((u) => !isDeadLetterQueue(u))) {
        const { Attributes = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
        total.visible += Number(Attributes.ApproximateNumberOfMessages ?? 0);
        total.hidden += Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
      }
      return total;
    } finally {
      client.destroy();
    }
  };
  return {
    async work() {
      const { visible, hidden } = await counts();
      return visible + hidden;
    },
    async settled() {
      const deadline = Date.now() + visibilitySeconds * 1000 + 2_000;
      while ((await counts()).hidden > 0 && Date.now() < deadline) await sleep(100);
    },
  };
}

function withDatabase(uri: string, database: string): string {
  const url = new URL(uri);
  url.pathname = `/${database}`;
  return url.toString();
}

async function openStore(kind: CrashStore, dir: string, mongoUri: string | null): Promise<Store> {
  if (kind === 'sqlite') return SqliteStore.open(join(dir, 'state.sqlite'));
  return MongoStore.connect(mongoUri!);
}

async function dropDatabase(uri: string): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 3_000 });
  try {
    await client.db(new URL(uri).pathname.slice(1)).dropDatabase();
  } finally {
    await client.close();
  }
}

interface Inspection {
  files: number;
  tempFiles: number;
  duplicatedRecords: number;
  reusedSequences: number;
  /** record id → the file that holds it (the first, when it is in several). */
  recordFile: Map<string, string>;
  problems: string[];
}

/** The outbox as the checks read it: every name in it (temp files included), and a file's text. */
export interface OutboxFiles {
  names(): Promise<string[]>;
  read(name: string): Promise<string>;
}

export function folderFiles(folder: string): OutboxFiles {
  return { names: () => readdir(folder).catch(() => [] as string[]), read: (name) => readFile(join(folder, name), 'utf8') };
}

/** S3 has no temp files: a PUT is whole or absent, so only the objects are read back (through the SDK). */
function s3Files(outbox: S3Outbox): OutboxFiles {
  return { names: () => outbox.list(), read: async (name) => (await outbox.read(name)) ?? '' };
}

/** What the files in the outbox say: which record is in which file, and which sequence numbers were used. */
export async function inspectOutbox(outbox: OutboxFiles): Promise<Inspection> {
  const names = await outbox.names();
  const problems: string[] = [];
  const recordFile = new Map<string, string>();
  const sequences = new Map<string, string>();
  let duplicatedRecords = 0;
  let reusedSequences = 0;
  const dataFiles = names.filter((name) => name.endsWith('.DAT') && !name.startsWith('.'));
  for (const name of dataFiles) {
    const parts = parseFileName(name);
    if (!parts) {
      problems.push(`unexpected file name ${name}`);
      continue;
    }
    const sequenceKey = `${parts.type}:${parts.sequence}`;
    const other = sequences.get(sequenceKey);
    if (other) {
      reusedSequences++;
      problems.push(`sequence ${parts.sequence} of ${parts.type} used by ${other} and ${name}`);
    } else sequences.set(sequenceKey, name);
    const file = parseEsrFile(await outbox.read(name), name);
    for (const record of file.records) {
      const first = recordFile.get(record.id);
      if (first) {
        duplicatedRecords++;
        if (duplicatedRecords <= 5) problems.push(`record ${record.id} in ${first} and ${name}`);
      } else recordFile.set(record.id, name);
    }
  }
  const tempFiles = names.filter((name) => name.endsWith('.tmp')).length;
  if (tempFiles > 0) problems.push(`${tempFiles} temp file(s) left in the outbox`);
  return { files: dataFiles.length, tempFiles, duplicatedRecords, reusedSequences, recordFile, problems };
}

/** Every EXPORTED record names the file that holds it, and every record in a file is EXPORTED into it. */
async function storeAgainstFiles(store: Store, recordFile: Map<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const exported = await store.findRecords({ status: 'EXPORTED' });
  const exportedIds = new Set<string>();
  for (const record of exported) {
    exportedIds.add(record.id);
    const inFile = recordFile.get(record.id);
    if (inFile !== record.fileName) problems.push(`record ${record.id} is EXPORTED into ${record.fileName} but found in ${inFile ?? 'no file'}`);
  }
  for (const [id, file] of recordFile) {
    if (!exportedIds.has(id)) problems.push(`record ${id} is in ${file} but the store does not say it is EXPORTED`);
  }
  return problems.slice(0, 20).concat(problems.length > 20 ? [`… ${problems.length - 20} more store mismatches`] : []);
}

interface DeadLetter {
  messageId: string;
  reason: string;
  body?: string;
}

async function deadLetters(cli: Cli, common: string[]): Promise<DeadLetter[]> {
  const listed = await cli.run(['dlq', 'list', ...common, '--json', '--limit', '1000']);
  if (listed.code !== 0) throw new Error(`dlq list failed: ${listed.err}`);
  return JSON.parse(listed.out) as DeadLetter[];
}

/** Each burst command must have a complete batch (its file) or a dead letter saying why. */
async function fatesOf(store: Store, letters: DeadLetter[], types: string[]): Promise<{ lost: string[] }> {
  const complete = new Set((await store.listBatches()).filter((batch) => batch.state === 'complete').map((batch) => `${batch.type}:${batch.office}`));
  const lettered = new Set(
    letters.flatMap((letter) => {
      try {
        const command = JSON.parse(letter.body ?? '{}') as { type?: string; localOffice?: string };
        return command.type && command.localOffice ? [`${command.type}:${command.localOffice}`] : [];
      } catch {
        return [];
      }
    }),
  );
  const lost: string[] = [];
  for (const type of types) {
    for (const office of OFFICE_CODES) {
      const key = `${type}:${office}`;
      if (!complete.has(key) && !lettered.has(key)) lost.push(`${key}:${RUN_DATE}`);
    }
  }
  return { lost };
}

/** Sums trials into the figures the bench and the test report. */
export function tally(results: TrialResult[]) {
  const sum = (pick: (r: TrialResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  return {
    trials: results.length,
    kills: sum((r) => r.kills),
    disturbances: sum((r) => r.disturbances),
    midBurstKills: sum((r) => r.midBurstKills),
    files: sum((r) => r.files),
    duplicatedRecords: sum((r) => r.duplicatedRecords),
    reusedSequences: sum((r) => r.reusedSequences),
    lostCommands: sum((r) => r.lostCommands),
    stillOnBroker: sum((r) => r.stillOnBroker),
    leftoverTempFiles: sum((r) => r.leftoverTempFiles),
    storeMismatches: sum((r) => r.storeMismatches),
    remedyDuplicates: sum((r) => r.remedyDuplicates),
    deadLettered: sum((r) => r.deadLettered),
  };
}

/** Waits until every consumer says it is consuming; throws after `withinMs`. */
async function untilConsuming(consumers: Consumer[], withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!consumers.every((consumer) => consumer.consuming())) {
    const gone = consumers.find((consumer) => consumer.child.exitCode !== null);
    if (gone) throw new Error(`a consumer exited ${gone.child.exitCode} before consuming`);
    if (Date.now() > deadline) throw new Error(`${consumers.filter((c) => !c.consuming()).length} of ${consumers.length} consumer(s) not consuming after ${withinMs} ms`);
    await sleep(50);
  }
}

/** Stops (SIGTERM: in-flight work finishes) the consumers started without an idle stop, once no command was handled for IDLE_MS. */
async function stopOnceQuiet(consumers: Consumer[], handled: () => number): Promise<void> {
  const alive = consumers.filter((consumer) => consumer.child.exitCode === null && consumer.child.signalCode === null);
  if (alive.length === 0) return;
  const deadline = Date.now() + 120_000;
  for (let last = handled(), since = Date.now(); Date.now() - since < IDLE_MS && Date.now() < deadline; ) {
    await sleep(50);
    if (handled() !== last) [last, since] = [handled(), Date.now()];
  }
  for (const consumer of alive) consumer.child.kill('SIGTERM');
}

/** Waits until the management API lists `count` connections of the vhost; throws after `withinMs`. */
async function listedConnections(vhost: string, count: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const listed = (await managementApi('GET', `/vhosts/${encodeURIComponent(vhost)}/connections`)) as unknown[];
    if (listed.length >= count) return;
    if (Date.now() > deadline) throw new Error(`the management API listed ${listed.length} of ${count} consumer connection(s) after ${withinMs} ms`);
    await sleep(100);
  }
}

/**
 * The server closes every connection of the trial's vhost (management API `DELETE /api/connections/…`,
 * as an operator would from the UI), `times` times at seeded moments of the burst. Returns how many it closed.
 */
export function closeConnectionsMidBurst(times = 3): Disturbance {
  const disturbance: Disturbance = async ({ vhost, random }) => {
    if (!vhost) throw new Error('closing connections needs the RabbitMQ broker');
    const closed = new Set<string>();
    // The listing lags: a connection closed a moment ago may still be in it.
    const listed = async () =>
      ((await managementApi('GET', `/vhosts/${encodeURIComponent(vhost)}/connections`)) as { name: string }[]).filter((c) => !closed.has(c.name));
    for (let round = 0; round < times; round++) {
      // The first round finds the consumers' connections listed before the burst was published (see
      // LISTING_WAIT_MS); later ones their reconnections, once listed: close them a seeded moment after.
      let connections = await listed();
      for (let wait = 0; connections.length === 0 && wait < 30; wait++) {
        await sleep(100);
        connections = await listed();
      }
      await sleep(random.int(0, 299));
      for (const connection of connections) {
        await managementApi('DELETE', `/connections/${encodeURIComponent(connection.name)}`);
        closed.add(connection.name);
      }
    }
    return closed.size;
  };
  disturbance.actsOnConnections = true;
  return disturbance;
}

/**
 * A FerretDB of the trial's own on a free port (never the shared one others use), which the
 * disturbance kills with SIGKILL and starts again on the same port, `times` times mid-burst. Its
 * data lives in PostgreSQL, so a restart loses nothing that was committed.
 */
export async function dedicatedFerretDb(): Promise<{ uri: string; restartMidBurst(times?: number): Disturbance; stop(): void }> {
  const { startFerretDb } = await import('../../scripts/ferretdb.mjs');
  const port = await closedPort();
  let server = await startFerretDb(port);
  return {
    uri: server.uri,
    restartMidBurst: (times = 1) => async ({ random }) => {
      for (let round = 0; round < times; round++) {
        await sleep(random.int(500, 2499));
        server.stop('SIGKILL');
        await sleep(random.int(200, 999));
        server = await startFerretDb(port);
      }
      return times;
    },
    stop: () => server.stop('SIGKILL'),
  };
}
