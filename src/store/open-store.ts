import { MongoClient } from 'mongodb';
import type { MongoMemoryReplSet } from 'mongodb-memory-server';
import { MemoryStore } from './memory.js';
import { MongoStore } from './mongo.js';
import { DEFAULT_COUNTER_STRATEGY } from './store.js';
import type { CounterStrategy, Store } from './store.js';

/**
 * Which store to run on, decided once at start-up and said out loud:
 * 1. `MONGODB_URI` (or `mongodbUri`) — a real server; failing to reach it is an error, never a silent fallback;
 * 2. the embedded `mongodb-memory-server` (a single-node replica set, so transactions work);
 * 3. the in-memory store, with the reason the first two were not used in `description`.
 */
export interface OpenStoreOptions {
  /** Connection string; default `env.MONGODB_URI`. */
  mongodbUri?: string;
  /** The counter strategy the engine will use; default `DEFAULT_COUNTER_STRATEGY`. Only reported in `description`. */
  counter?: CounterStrategy;
  /** Where `MONGODB_URI` is read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Set false to skip the embedded server. Default true. */
  embedded?: boolean;
  /**
   * Let the embedded server download its MongoDB binary when none is cached. Default false: offline
   * the download retries for seconds, prints stack traces and keeps the process alive after we give up.
   */
  embeddedDownload?: boolean;
  /** How long the embedded server may take to start: default 30,000 ms with a cached binary, 3,000 ms when downloading. */
  embeddedTimeoutMs?: number;
  dbName?: string;
  /** How long a MongoDB operation waits for a usable server; default 5,000 ms. */
  serverSelectionTimeoutMS?: number;
}

export interface OpenedStore {
  store: Store;
  /** Which store is used and why, e.g. "in-memory store (no MONGODB_URI; mongodb-memory-server could not start: …)". */
  description: string;
  /** Closes the store and stops the embedded server if one was started. */
  stop(): Promise<void>;
}

export type MongoProbe = { uri: string; stop(): Promise<void> } | { unavailable: string };

/** How long to wait for the embedded server when it must download its binary first (opt-in). */
export const DEFAULT_EMBEDDED_TIMEOUT_MS = 3_000;
/** How long to wait when its binary is already cached: a one-node replica set elects itself in seconds. */
const EMBEDDED_START_TIMEOUT_MS = 30_000;
const PROBE_SERVER_SELECTION_MS = 2_000;
/** An explicit ESR_MONGOMS_DOWNLOAD=1 means the network is there: give the ~70 MB download time. */
const DOWNLOAD_BY_ENV_TIMEOUT_MS = 180_000;

/** Credentials never appear in output: `mongodb://user:secret@host` → `mongodb://***@host`. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1***@');
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? '';
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts mongodb-memory-server as a one-node replica set (so transactions work), or says why it
 * could not. Without a cached binary it would download one first; offline that fails only after
 * several retried seconds, prints stack traces and keeps the process alive, so by default we do not
 * try (`npm install` downloads the binary wherever there is network) and say so instead.
 */
async function startEmbedded(options: Pick<OpenStoreOptions, 'embeddedTimeoutMs' | 'embeddedDownload'>): Promise<MongoProbe> {
  let embedded: typeof import('mongodb-memory-server');
  try {
    // Imported lazily: it is a dev dependency, absent from production installs.
    embedded = await import('mongodb-memory-server');
  } catch (error) {
    return { unavailable: `mongodb-memory-server is not installed (${firstLine(error)})` };
  }
  const { DryMongoBinary, MongoMemoryReplSet } = embedded;
  const cached = await DryMongoBinary.locateBinary(DryMongoBinary.getEnsuredOptions()).catch(() => undefined);
  // npm 11 does not run mongodb-memory-server's postinstall download unless approved: opt in here instead.
  const downloadByEnv = process.env.ESR_MONGOMS_DOWNLOAD === '1';
  if (!cached && !options.embeddedDownload && !downloadByEnv) {
    return { unavailable: 'mongodb-memory-server has no cached MongoDB binary (set MONGODB_URI, or ESR_MONGOMS_DOWNLOAD=1 to let it download one)' };
  }
  const waitMs = options.embeddedTimeoutMs ?? (cached ? EMBEDDED_START_TIMEOUT_MS : downloadByEnv ? DOWNLOAD_BY_ENV_TIMEOUT_MS : DEFAULT_EMBEDDED_TIMEOUT_MS);
  const starting = MongoMemoryReplSet.create({ replSet: { count: 1 } });
  let outcome: MongoMemoryReplSet | 'timeout';
  try {
    outcome = await withTimeout(starting, waitMs);
  } catch (error) {
    return { unavailable: `mongodb-memory-server could not start: ${firstLine(error)}` };
  }
  if (outcome === 'timeout') {
    // Still starting (perhaps downloading, with retries). Stop it if it ever comes up.
    starting.then((server) => server.stop(), () => undefined).catch(() => undefined);
    const why = cached ? 'its cached binary was slow to start' : 'its MongoDB binary is not cached and was still downloading';
    return { unavailable: `mongodb-memory-server could not start within ${waitMs} ms (${why})` };
  }
  const server = outcome;
  return { uri: server.getUri(), stop: async () => void (await server.stop()) };
}

/** Pings the server at `uri`; null when it answered, else the reason. */
async function ping(uri: string): Promise<string | null> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: PROBE_SERVER_SELECTION_MS });
  try {
    await client.db('admin').command({ ping: 1 });
    return null;
  } catch (error) {
    return firstLine(error);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * A MongoDB server for tests: `MONGODB_URI` if it answers, else the embedded server, else the
 * reason neither is available (on machines without network and without a server, that is expected).
 */
export async function probeMongo(
  options: Pick<OpenStoreOptions, 'env' | 'embeddedTimeoutMs' | 'embeddedDownload'> = {},
): Promise<MongoProbe> {
  const uri = (options.env ?? process.env).MONGODB_URI;
  if (uri) {
    const failure = await ping(uri);
    return failure === null
      ? { uri, stop: async () => undefined }
      : { unavailable: `MONGODB_URI ${redactUri(uri)} did not answer: ${failure}` };
  }
  const embedded = await startEmbedded(options);
  return 'uri' in embedded ? embedded : { unavailable: `no MONGODB_URI; ${embedded.unavailable}` };
}

async function connectAndInit(uri: string, options: OpenStoreOptions): Promise<MongoStore> {
  const store = await MongoStore.connect(uri, {
    dbName: options.dbName,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS,
  });
  try {
    await store.init();
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

export async function openStore(options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const counter = `counter strategy ${options.counter ?? DEFAULT_COUNTER_STRATEGY}`;
  const uri = options.mongodbUri ?? (options.env ?? process.env).MONGODB_URI;
  if (uri) {
    // Explicitly configured: an unreachable server is an error (StoreUnavailableError), not a fallback.
    const store = await connectAndInit(uri, options);
    return { store, description: `MongoDB at ${redactUri(uri)} (${counter})`, stop: () => store.close() };
  }
  const embedded: MongoProbe =
    options.embedded === false
      ? { unavailable: 'embedded server disabled' }
      : await startEmbedded(options);
  if ('uri' in embedded) {
    const store = await connectAndInit(embedded.uri, options).catch(async (error: unknown) => {
      await embedded.stop();
      throw error;
    });
    return {
      store,
      description: `embedded MongoDB (mongodb-memory-server, no MONGODB_URI; ${counter})`,
      stop: async () => {
        await store.close();
        await embedded.stop();
      },
    };
  }
  const store = new MemoryStore();
  await store.init();
  return {
    store,
    description: `in-memory store (no MONGODB_URI; ${embedded.unavailable}; ${counter})`,
    stop: () => store.close(),
  };
}
