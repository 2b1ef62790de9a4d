/**
 * The live RabbitMQ source through a recording proxy: read-only (GET only), paginated, and its
 * errors name what and where but never the credentials.
 */
import { closedPort } from '../support/rabbitmq-management.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError } from '../../src/sources/errors.js';
import { rabbitmqLiveSource } from '../../src/sources/rabbitmq-live.js';
import { api, MANAGEMENT_URL, TestVhost } from './rabbit-admin.js';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.js';

let vhost: TestVhost;
let proxy: RecordingProxy;
const QUEUES = ['a.work', 'b.work', 'c.work', 'd.work', 'e.dlq'];

beforeAll(async () => {
  vhost = await TestVhost.create('h7-live');
  await vhost.channel.assertExchange('dlx', 'fanout', { durable: true });
  for (const name of QUEUES) await vhost.channel.assertQueue(name, { durable: true, arguments: name.endsWith('.work') ? { 'x-dead-letter-exchange': 'dlx' } : {} });
  await vhost.channel.bindQueue('e.dlq', 'dlx', '');
  await vhost.setPolicy('limits', { pattern: '\\.work$', definition: { 'message-ttl': 600_000 } });
  proxy = await startRecordingProxy(MANAGEMENT_URL);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await vhost?.close();
});

const PASSWORD = 'guest';


describe('live RabbitMQ source', () => {
  it('pages through queues and only ever sends GET requests', async () => {
    proxy.calls.length = 0;
    const source = rabbitmqLiveSource({ managementUrl: proxy.url, vhost: vhost.name, username: 'guest', password: PASSWORD, pageSize: 2 });
    const queues = await source.load();
    expect(queues.map((q) => q.name).sort()).toEqual(QUEUES);
    expect(queues.find((q) => q.name === 'e.dlq')?.role).toBe('dead-letter');
    expect(proxy.calls.length).toBeGreaterThan(0);
    expect(proxy.calls.every((call) => call.method === 'GET' && call.authorised)).toBe(true);
    const queuePages = proxy.calls.filter((call) => call.path.startsWith(`/api/queues/${vhost.path}?`));
    expect(queuePages.map((call) => new URL(call.path, 'http://x').searchParams.get('page'))).toEqual(['1', '2', '3']);
    const endpoints = new Set(proxy.calls.map((call) => call.path.split('?')[0]?.replace(vhost.path, '{vhost}')));
    expect(endpoints).toEqual(
      new Set([
        '/api/overview',
        '/api/queues/{vhost}',
        '/api/policies/{vhost}',
        '/api/operator-policies/{vhost}',
        '/api/exchanges/{vhost}',
        '/api/bindings/{vhost}',
      ]),
    );
  });

  it('uses the given version instead of asking /api/overview', async () => {
    proxy.calls.length = 0;
    const queues = await rabbitmqLiveSource({ managementUrl: proxy.url, vhost: vhost.name, username: 'guest', password: PASSWORD, version: '4.1.0' }).load();
    expect(queues.every((q) => q.brokerVersion === '4.1.0')).toBe(true);
    expect(proxy.calls.some((call) => call.path === '/api/overview')).toBe(false);
  });

  it('description and errors never contain credentials', async () => {
    const port = await closedPort();
    const withUserInfo = rabbitmqLiveSource({ managementUrl: `http://admin:s3cr3t-in-url@127.0.0.1:${port}`, vhost: '/', username: 'admin', password: 's3cr3t-pw' });
    expect(withUserInfo.description).toBe(`rabbitmq-live http://127.0.0.1:${port} vhost /`);
    const unreachable = await withUserInfo.load().catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(SourceError);
    expect((unreachable as Error).message).toBe(`cannot reach RabbitMQ management API at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`);

    const wrong = await rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: vhost.name, username: 'guest', password: 'not-the-password' })
      .load()
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(SourceError);
    expect((wrong as Error).message).toMatch(/^authentication failed: /);
    for (const error of [unreachable, wrong]) {
      for (const secret of ['s3cr3t-in-url', 's3cr3t-pw', 'not-the-password', 'admin']) expect((error as Error).message).not.toContain(secret);
    }
  });

  it('least privilege is enough: a management-tag user with read-only permission reads everything', async () => {
    const user = `${vhost.name}-reader`;
    await api('PUT', `/users/${user}`, { password: 'reader-pw', tags: 'management' });
    try {
      await api('PUT', `/permissions/${vhost.path}/${user}`, { configure: '^$', write: '^$', read: '.*' });
      const queues = await rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: vhost.name, username: user, password: 'reader-pw' }).load();
      expect(queues.map((q) => q.name).sort()).toEqual(QUEUES);
      const elsewhere = await rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: '/', username: user, password: 'reader-pw' }).load().catch((e: unknown) => e);
      expect((elsewhere as Error).message).toMatch(/^unauthorised: the user may not read .* \(User not authorised to access virtual host; /);
      expect((elsewhere as Error).message).not.toContain('reader-pw');
    } finally {
      await api('DELETE', `/users/${user}`);
    }
  });

  it('a missing vhost is an error, not an empty broker', async () => {
    const error = await rabbitmqLiveSource({ managementUrl: MANAGEMENT_URL, vhost: `${vhost.name}-missing`, username: 'guest', password: PASSWORD })
      .load()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect((error as SourceError).exitCode).toBe(2);
    expect((error as Error).message).toBe(`vhost not found: '${vhost.name}-missing' on ${MANAGEMENT_URL}`);
  });
});
