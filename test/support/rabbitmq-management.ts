/**
 * Test-side administration of the real RabbitMQ through its management HTTP API (the code under test
 * only ever reads it; tests set up vhosts, queues and policies). One helper for every test file.
 */
import { createServer, type AddressInfo } from 'node:net';

export const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';
const AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

/** Calls `/api<path>`; a DELETE of something already gone is fine. Returns the parsed body, or null. */
export async function managementApi(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${MANAGEMENT_URL}/api${path}`, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok && !(method === 'DELETE' && response.status === 404)) {
    throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  }
  const text = await response.text();
  return text === '' ? null : JSON.parse(text);
}

/** Creates a vhost the guest user may use. */
export async function createVhost(name: string): Promise<void> {
  await managementApi('PUT', `/vhosts/${encodeURIComponent(name)}`, {});
  await managementApi('PUT', `/permissions/${encodeURIComponent(name)}/guest`, { configure: '.*', write: '.*', read: '.*' });
}

export async function deleteVhost(name: string): Promise<void> {
  await managementApi('DELETE', `/vhosts/${encodeURIComponent(name)}`);
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
