/**
 * Live RabbitMQ through the management HTTP API, read-only (GET only), with no more than the
 * `management` tag and read permission on the vhost (GET /api/vhosts/{vhost} would need administrator). The effective settings are
 * computed from /api/policies and /api/operator-policies ourselves (rabbitmq-effective.ts): the API's
 * `effective_policy_definition` lags seconds behind a change and leaves out the x-arguments.
 */
import { redactUrl, networkErrorCode, SourceError } from './errors.js';
import type { QueueSettings, Source } from './queue-settings.js';
import type { RabbitPolicy, RabbitQueue, RabbitQueueType } from '../semantics/rabbitmq/effective.js';
import type { RabbitBinding, RabbitExchange } from '../semantics/rabbitmq/routing.js';
import { rabbitQueueSettings } from './rabbitmq-topology.js';

export interface RabbitmqLiveOptions {
  /** e.g. http://127.0.0.1:15672 (any credentials in it are ignored: pass username and password). */
  managementUrl: string;
  vhost: string;
  username: string;
  password: string;
  /** Overrides the version reported by /api/overview (e.g. a managed broker that hides it). */
  version?: string;
  /** Queues per page; the API allows up to 500. */
  pageSize?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

/** A limit on everything: 2,000 pages of 500 is a million queues. */
const MAX_PAGES = 2_000;
const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_TIMEOUT_MS = 15_000;

interface Page<T> {
  items: T[];
  page_count: number;
}

interface ApiQueue {
  name: string;
  type?: string;
  arguments?: Record<string, unknown>;
  policy?: string | null;
  operator_policy?: string | null;
}

interface ApiPolicy {
  name: string;
  pattern: string;
  'apply-to'?: string;
  priority?: number;
  definition?: Record<string, unknown>;
}

interface ApiBinding {
  source: string;
  destination: string;
  destination_type: string;
  routing_key: string;
}

export function rabbitmqLiveSource(options: RabbitmqLiveOptions): Source {
  const base = redactUrl(options.managementUrl);
  return {
    description: `rabbitmq-live ${base} vhost ${options.vhost}`,
    load: () => new ManagementApi(options, base).load(),
  };
}

function queueTypeOf(type: string | undefined): RabbitQueueType {
  return type === 'quorum' || type === 'stream' ? type : 'classic';
}

function toPolicy(p: ApiPolicy): RabbitPolicy {
  return { name: p.name, pattern: p.pattern, applyTo: p['apply-to'] ?? 'all', priority: p.priority ?? 0, definition: p.definition ?? {} };
}

class ManagementApi {
  private readonly vhostPath: string;
  private readonly authorization: string;

  constructor(
    private readonly options: RabbitmqLiveOptions,
    private readonly base: string,
  ) {
    this.vhostPath = encodeURIComponent(options.vhost);
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  }

  async load(): Promise<QueueSettings[]> {
    const [version, queues, policies, operatorPolicies, exchanges, bindings] = await Promise.all([
      this.version(),
      this.paged<ApiQueue>(`/api/queues/${this.vhostPath}`, 'name,type,arguments,policy,operator_policy'),
      this.list<ApiPolicy>(`/api/policies/${this.vhostPath}`),
      this.list<ApiPolicy>(`/api/operator-policies/${this.vhostPath}`),
      this.paged<RabbitExchange>(`/api/exchanges/${this.vhostPath}`, 'name,type,arguments'),
      this.list<ApiBinding>(`/api/bindings/${this.vhostPath}`),
    ]);
    return rabbitQueueSettings(
      {
        vhost: this.options.vhost,
        version,
        queues: queues.map(
          (q): RabbitQueue => ({
            name: q.name,
            vhost: this.options.vhost,
            type: queueTypeOf(q.type),
            arguments: q.arguments ?? {},
            reportedPolicy: q.policy ?? null,
            reportedOperatorPolicy: q.operator_policy ?? null,
          }),
        ),
        exchanges: exchanges.map((e) => ({ name: e.name, type: e.type, arguments: e.arguments ?? {} })),
        bindings: bindings.map(
          (b): RabbitBinding => ({
            source: b.source,
            destination: b.destination,
            destinationType: b.destination_type === 'exchange' ? 'exchange' : 'queue',
            routingKey: b.routing_key,
          }),
        ),
        policies: policies.map(toPolicy),
        operatorPolicies: operatorPolicies.map(toPolicy),
      },
      { source: 'rabbitmq-live' },
    );
  }

  private async version(): Promise<string | null> {
    if (this.options.version !== undefined) return this.options.version;
    const overview = await this.get<{ rabbitmq_version?: string; product_version?: string }>('/api/overview');
    return overview.rabbitmq_version ?? overview.product_version ?? null;
  }

  private async list<T>(path: string): Promise<T[]> {
    const body = await this.get<unknown>(path);
    if (!Array.isArray(body)) throw new SourceError(`RabbitMQ management API ${this.base}${path} answered something other than a list`);
    return body as T[];
  }

  /**
   * Pages through a listing; stops at the last page the API reports, never past MAX_PAGES. Items are
   * named: one created or deleted between two pages may shift another onto both, so the last copy wins.
   */
  private async paged<T extends { name: string }>(path: string, columns: string): Promise<T[]> {
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    const items = new Map<string, T>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = await this.get<Partial<Page<T>>>(`${path}?page=${page}&page_size=${pageSize}&columns=${columns}`);
      if (!Array.isArray(body.items) || typeof body.page_count !== 'number') {
        throw new SourceError(`RabbitMQ management API ${this.base}${path} answered a page without items or page_count`);
      }
      for (const item of body.items) items.set(item.name, item);
      if (page >= body.page_count) return [...items.values()];
    }
    throw new SourceError(`${this.base}${path}: more than ${MAX_PAGES} pages of ${pageSize}; refusing to read further`);
  }

  private async get<T>(path: string): Promise<T> {
    const where = `${this.base}${path.split('?')[0] ?? path}`;
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method: 'GET',
        headers: { authorization: this.authorization, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (error) {
      const code = networkErrorCode(error) ?? (error instanceof Error ? error.name : 'error');
      throw new SourceError(`cannot reach RabbitMQ management API at ${this.base} (${code})`, { cause: error });
    }
    if (response.status === 401 || response.status === 403) {
      const reason = await reasonOf(response);
      if (reason === 'Login failed') throw new SourceError(`unauthorised: RabbitMQ management API at ${this.base} rejected the credentials`);
      throw new SourceError(`unauthorised: the user may not read ${where} (${reason}; it needs the management tag and read permission on vhost '${this.options.vhost}')`);
    }
    // every call but /api/overview is scoped to the vhost: a missing vhost is an error, not an empty broker
    if (response.status === 404) throw new SourceError(`vhost not found: '${this.options.vhost}' on ${this.base}`);
    if (!response.ok) throw new SourceError(`RabbitMQ management API ${where} answered HTTP ${response.status}`);
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new SourceError(`RabbitMQ management API ${where} answered malformed JSON`, { cause: error });
    }
  }
}

/** The broker's own reason for a refusal (`Login failed`, `User not authorised to access virtual host`). */
async function reasonOf(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { reason?: unknown };
    return typeof body.reason === 'string' ? body.reason.slice(0, 200) : `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}
