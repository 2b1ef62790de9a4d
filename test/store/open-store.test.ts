import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { identifyMongoServer, openStore, redactUri } from '../../src/store/open-store.js';
import { mongoServerForTests } from './mongo-server.js';
import { appRecord } from './store.contract.js';

describe('openStore', () => {
  it('without MONGODB_URI uses the in-memory store and says so, with the counter strategy', async () => {
    const opened = await openStore({ env: {}, counter: 'optimistic' });
    try {
      expect(opened.description).toBe('in-memory store (no MONGODB_URI; counter strategy optimistic)');
      await opened.store.insertRecords([appRecord('a')]);
      expect((await opened.store.findRecords({})).map((r) => r.id)).toEqual(['a']);
    } finally {
      await opened.stop();
    }
  });

  it('an explicit MONGODB_URI that does not answer is an error, never a silent fallback', async () => {
    const failure = await openStore({
      env: { MONGODB_URI: 'mongodb://esr:secret@127.0.0.1:1/esr' },
      serverSelectionTimeoutMS: 200,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(String((failure as Error).message)).not.toContain('secret');
  });
});

describe('identifyMongoServer', () => {
  it('asks the server of this test run what it is: FerretDB has no transactions, MongoDB says its topology', async () => {
    const server = await mongoServerForTests('identifyMongoServer');
    if (server.ferretdb) {
      expect(server.description).toMatch(/^FerretDB v\d+\.\d+\.\d+ \(MongoDB wire version [\d.]+\) at mongodb:\/\//);
      expect(server.noTransactions).toMatch(/^FerretDB v[\d.]+ does not run transactions/);
    } else {
      expect(server.description).toMatch(/^MongoDB \d+\.\d+\.\d+ \((replica set \S+|sharded|standalone)\) at mongodb/);
    }
  });

  it('fails when nothing answers, within its 2 s server selection bound', async () => {
    const started = Date.now();
    await expect(identifyMongoServer('mongodb://127.0.0.1:1/')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('redactUri', () => {
  it('hides credentials and leaves the rest', () => {
    expect(redactUri('mongodb+srv://user:p%40ss@cluster0.example.net/esr?retryWrites=true')).toBe(
      'mongodb+srv://***@cluster0.example.net/esr?retryWrites=true',
    );
    expect(redactUri('mongodb://127.0.0.1:27017/esr')).toBe('mongodb://127.0.0.1:27017/esr');
  });
});
