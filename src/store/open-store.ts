import { MongoClient } from 'mongodb';
import { MemoryStore } from './memory.js';
import { MongoStore } from './mongo.js';
import { DEFAULT_COUNTER_STRATEGY } from './store.js';
import type { CounterStrategy, Store } from './store.js';

/**
 * Which store to run on, decided once at start-up and said out loud:
 * 1. `MONGODB_URI` (or `mongodbUri`) — a real server; failing to reach it is an error, never a silent fallback;
 * 2. otherwise the in-memory store, with that reason in `description`.
 * (The CLI's `--state FILE` opens the SQLite store instead: src/cli/export/context.ts.)
 */
export interface OpenStoreOptions {
  /** Connection string; default `env.MONGODB_URI`. */
  mongodbUri?: string;
  /** The counter strategy the engine will use; default `DEFAULT_COUNTER_STRATEGY`. Only reported in `description`. */
  counter?: CounterStrategy;
  /** Where `MONGODB_URI` is read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  dbName?: string;
  /** How long a MongoDB operation waits for a usable server; default 5,000 ms. */
  serverSelectionTimeoutMS?: number;
}

export interface OpenedStore {
  store: Store;
  /** Which store is used and why, e.g. "in-memory store (no MONGODB_URI; counter strategy atomic)". */
  description: string;
  stop(): Promise<void>;
}

/** What answers at a MongoDB URI: FerretDB or MongoDB, its version, and whether it runs multi-document transactions. */
export interface MongoServerInfo {
  /** e.g. "FerretDB v1.24.2 at mongodb://127.0.0.1:27017/" or "MongoDB 7.0.14 (replica set rs0) at …". */
  description: string;
  ferretdb: boolean;
  /** Null when transactions work; else why not (FerretDB refuses them; a standalone mongod has none). */
  noTransactions: string | null;
}

const PROBE_SERVER_SELECTION_MS = 2_000;

/** Credentials never appear in output: `mongodb://user:secret@host` → `mongodb://***@host`. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/)[^@/]*@/i, '$1***@');
}

/** Asks the server itself (`buildInfo`, `hello`) what it is. Throws when nothing answers. */
export async function identifyMongoServer(uri: string): Promise<MongoServerInfo> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: PROBE_SERVER_SELECTION_MS });
  try {
    const admin = client.db('admin');
    const build = await admin.command({ buildInfo: 1 });
    const hello = await admin.command({ hello: 1 });
    const where = `at ${redactUri(uri)}`;
    if (typeof build.ferretdbVersion === 'string') {
      return {
        description: `FerretDB ${build.ferretdbVersion} (MongoDB wire version ${build.version}) ${where}`,
        ferretdb: true,
        noTransactions: `FerretDB ${build.ferretdbVersion} does not run transactions (it refuses their "autocommit" field)`,
      };
    }
    const topology = typeof hello.setName === 'string' ? `replica set ${hello.setName}` : hello.msg === 'isdbgrid' ? 'sharded' : 'standalone';
    return {
      description: `MongoDB ${build.version} (${topology}) ${where}`,
      ferretdb: false,
      noTransactions: topology === 'standalone' ? `MongoDB ${build.version} standalone: transactions need a replica set` : null,
    };
  } finally {
    await client.close().catch(() => undefined);
  }
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
  const store = new MemoryStore();
  await store.init();
  return { store, description: `in-memory store (no MONGODB_URI; ${counter})`, stop: () => store.close() };
}
