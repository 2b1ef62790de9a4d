/**
 * The live harness's one client of the RabbitMQ management HTTP API: the story stages vhosts,
 * queues and policies with it, the reachability probe asks it whether the API answers. (The
 * verifier's read-only client is `sources/rabbitmq-live.ts`; it never writes.)
 */
import { fetchText } from '../net/timeouts.js';
import { OperatingError } from '../errors.js';
import { redactUrl } from '../sources/errors.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface ManagementClient {
  /** The URL without credentials, fit for messages. */
  readonly url: string;
  /** Calls `/api<path>`; a DELETE of something already gone is fine. Returns the parsed body, or null. */
  api(method: Method, path: string, body?: unknown): Promise<unknown>;
}

/** Credentials in the URL win; else the broker's default user, as the live harness has always used. */
function credentialsOf(url: URL): { username: string; password: string } {
  return url.username ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : { username: 'guest', password: 'guest' };
}

export function managementClient(managementUrl: string, options: { timeoutMs?: number } = {}): ManagementClient {
  const parsed = new URL(managementUrl);
  const { username, password } = credentialsOf(parsed);
  const base = redactUrl(managementUrl);
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return {
    url: base,
    api: async (method, path, body) => {
      const answer = await fetchText(
        `${base}/api${path}`,
        { method, headers: { authorization, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
        { timeoutMs: options.timeoutMs },
      );
      const ok = answer.status >= 200 && answer.status < 300;
      if (!ok && !(method === 'DELETE' && answer.status === 404)) {
        throw new OperatingError(`${method} ${base}/api${path}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
      }
      return ok && answer.text !== '' ? (JSON.parse(answer.text) as unknown) : null;
    },
  };
}

/** A vhost the API's user may use, for staging. */
export async function createVhost(client: ManagementClient, name: string, user = 'guest'): Promise<void> {
  const v = encodeURIComponent(name);
  await client.api('PUT', `/vhosts/${v}`, {});
  await client.api('PUT', `/permissions/${v}/${encodeURIComponent(user)}`, { configure: '.*', write: '.*', read: '.*' });
}

export async function deleteVhost(client: ManagementClient, name: string): Promise<void> {
  await client.api('DELETE', `/vhosts/${encodeURIComponent(name)}`);
}
