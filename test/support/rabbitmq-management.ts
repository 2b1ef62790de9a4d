/**
 * Test-side administration of the real RabbitMQ through its management HTTP API (the code under test
 * only ever reads it; tests set up vhosts, queues and policies). One helper for every test file, over
 * the live harness's one management client.
 */
import { createServer, type AddressInfo } from 'node:net';
import { createVhost as createLiveVhost, deleteVhost as deleteLiveVhost, managementClient, type Method } from '../../src/live/management.js';

export const MANAGEMENT_URL = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';
const client = managementClient(MANAGEMENT_URL);

/** Calls `/api<path>`; a DELETE of something already gone is fine. Returns the parsed body, or null. */
export const managementApi = (method: Method, path: string, body?: unknown): Promise<unknown> => client.api(method, path, body);

/** Creates a vhost the guest user may use. */
export const createVhost = (name: string): Promise<void> => createLiveVhost(client, name);

export const deleteVhost = (name: string): Promise<void> => deleteLiveVhost(client, name);

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
