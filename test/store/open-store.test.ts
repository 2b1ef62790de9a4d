import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/store/errors.js';
import { openStore, probeMongo, redactUri } from '../../src/store/open-store.js';
import { appRecord } from './store.contract.js';

describe('openStore', () => {
  it('on this machine (no MONGODB_URI, no cached mongod binary) falls back to memory and says why', { timeout: 10_000 }, async () => {
    const opened = await openStore({ env: {} });
    try {
      // Where mongodb-memory-server can download its binary it is used instead: both are stated.
      expect(opened.description).toMatch(
        /^(in-memory store \(no MONGODB_URI; mongodb-memory-server (has no cached MongoDB binary|could not start).+; counter strategy atomic\)|embedded MongoDB \(mongodb-memory-server, no MONGODB_URI; counter strategy atomic\))$/,
      );
      await opened.store.insertRecords([appRecord('a')]);
      expect((await opened.store.findRecords({})).map((r) => r.id)).toEqual(['a']);
    } finally {
      await opened.stop();
    }
  });

  it('falls back when the embedded server does not start in time, naming the timeout and the counter strategy', async () => {
    // Offline, the abandoned download fails a few seconds later and mongodb-memory-server logs it to stderr.
    const opened = await openStore({ env: {}, embeddedDownload: true, embeddedTimeoutMs: 1, counter: 'optimistic' });
    await opened.stop();
    expect(opened.description).toMatch(
      /^in-memory store \(no MONGODB_URI; mongodb-memory-server could not start within 1 ms \(.+\); counter strategy optimistic\)$/,
    );
  });

  it('uses the in-memory store at once when the embedded server is disabled', async () => {
    const opened = await openStore({ env: {}, embedded: false });
    await opened.stop();
    expect(opened.description).toBe('in-memory store (no MONGODB_URI; embedded server disabled; counter strategy atomic)');
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

describe('probeMongo', () => {
  it('reports an unreachable MONGODB_URI with the reason, without its password', async () => {
    const probe = await probeMongo({ env: { MONGODB_URI: 'mongodb://esr:secret@127.0.0.1:1/esr' } });
    expect(probe).toEqual({ unavailable: expect.stringMatching(/^MONGODB_URI mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/esr did not answer: /) });
    expect(JSON.stringify(probe)).not.toContain('secret');
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
