/**
 * Live RabbitMQ through the management HTTP API, read-only (GET only), with no more than the
 * `management` tag and read permission on the vhost (GET /api/vhosts/{vhost} would need administrator). The effective settings are
 * computed from /api/policies and /api/operator-policies ourselves (rabbitmq-effective.ts): the API's
 * `effective_policy_definition` lags seconds behind a change and leaves out the x-arguments.
 * The answers are the shapes of the management API files the file source reads (`/api/queues` …):
 * they go through the same entry readers and the same vhost → topology → semantics path
 * (rabbitmq-listings.ts, rabbitmq-artefact.ts), so a broker read live and its files give one verdict.
 */
import { describeNetworkFailure, fetchText, requestTimeoutMs, type HttpAnswer } from '../net/timeouts.js';
import { escapeControl } from '../text/escape.js';
import { redactUrl, SourceError } from './errors.js';
import type { QueueSettings, Source } from './queue-settings.js';
import { artefactQueueSettings, type RabbitArtefact } from './rabbitmq-artefact.js';
import { bindingEntry, exchangeEntry, policyEntry, queueEntry } from './rabbitmq-listings.js';

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
  /** Per-request timeout (default: the toolkit's one request timeout, src/net/timeouts.ts). */
  timeoutMs?: number;
}

/** A limit on everything: 2,000 pages of 500 is a million queues. */
const MAX_PAGES = 2_000;
const DEFAULT_PAGE_SIZE = 500;

interface Page<T> {
  items: T[];
  page_count: number;
}

/** An item of an API answer, its shape checked (queueProblem …) before the entry readers take it. */
type ApiItem = Record<string, unknown>;
type NamedItem = ApiItem & { name: string };

export function rabbitmqLiveSource(options: RabbitmqLiveOptions): Source {
  const base = redactUrl(options.managementUrl);
  return {
    description: `rabbitmq-live ${base} vhost ${options.vhost}`,
    load: () => new ManagementApi(options, base).load(),
  };
}

class ManagementApi {
  private readonly vhostPath: string;
  private readonly authorization: string;
  private vhostCheck: Promise<SourceError> | null = null;

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
      this.paged<NamedItem>(`/api/queues/${this.vhostPath}`, 'name,type,arguments,policy,operator_policy', 'queue', queueProblem),
      this.list<ApiItem>(`/api/policies/${this.vhostPath}`, 'policy', policyProblem),
      this.list<ApiItem>(`/api/operator-policies/${this.vhostPath}`, 'operator policy', policyProblem),
      this.paged<NamedItem>(`/api/exchanges/${this.vhostPath}`, 'name,type,arguments', 'exchange', exchangeProblem),
      this.list<ApiItem>(`/api/bindings/${this.vhostPath}`, 'binding', bindingProblem),
    ]);
    // every item of /api/<kind>/<vhost> is of the vhost asked for (the column lists leave the field out)
    const { vhost } = this.options;
    const where = `${this.base}/api (vhost ${vhost})`;
    const artefact: RabbitArtefact = {
      file: where,
      ...(version === null ? {} : { version }),
      queues: queues.map((q) => queueEntry({ ...q, vhost })),
      exchanges: exchanges.map((e) => exchangeEntry({ ...e, vhost })),
      bindings: bindings.map((b) => bindingEntry({ ...b, vhost })),
      policies: policies.map((p) => policyEntry({ ...p, vhost }, where)),
      operatorPolicies: operatorPolicies.map((p) => policyEntry({ ...p, vhost }, where)),
    };
    return artefactQueueSettings([artefact], 'rabbitmq-live');
  }

  private async version(): Promise<string | null> {
    if (this.options.version !== undefined) return this.options.version;
    const overview = await this.get<{ rabbitmq_version?: string; product_version?: string }>('/api/overview');
    const version = overview.rabbitmq_version ?? overview.product_version;
    return typeof version === 'string' ? version : null;
  }

  private async list<T>(path: string, what: string, problemOf: (item: unknown) => string | null): Promise<T[]> {
    const body = await this.get<unknown>(path);
    if (!Array.isArray(body)) throw new SourceError(`RabbitMQ management API ${this.base}${path} answered something other than a list`);
    return this.checked<T>(body, `${this.base}${path}`, what, problemOf);
  }

  /** The API's answer is outside input: an item of the wrong shape is named, never a crash further on. */
  private checked<T>(items: unknown[], where: string, what: string, problemOf: (item: unknown) => string | null): T[] {
    items.forEach((item, index) => {
      const problem = problemOf(item);
      if (problem !== null) throw new SourceError(`RabbitMQ management API ${where} answered ${what} #${index + 1} that is ${problem}`);
    });
    return items as T[];
  }

  /**
   * Pages through a listing; stops at the last page the API reports, never past MAX_PAGES. Items are
   * named: one created or deleted between two pages may shift another onto both, so the last copy wins.
   */
  private async paged<T extends { name: string }>(path: string, columns: string, what: string, problemOf: (item: unknown) => string | null): Promise<T[]> {
    const pageSize = this.options.pageSize ?? DEFAULT_PAGE_SIZE;
    const items = new Map<string, T>();
    for (let page = 1; page <= MAX_PAGES; page++) {
      const body = await this.get<Partial<Page<T>>>(`${path}?page=${page}&page_size=${pageSize}&columns=${columns}`);
      if (!Array.isArray(body.items) || typeof body.page_count !== 'number') {
        throw new SourceError(`RabbitMQ management API ${this.base}${path} answered a page without items or page_count`);
      }
      for (const item of this.checked<T>(body.items, `${this.base}${path}`, what, problemOf)) items.set(item.name, item);
      if (page >= body.page_count) return [...items.values()];
    }
    throw new SourceError(`${this.base}${path}: more than ${MAX_PAGES} pages of ${pageSize}; refusing to read further`);
  }

  private async get<T>(path: string): Promise<T> {
    const where = `${this.base}${path.split('?')[0] ?? path}`;
    const answer = await this.fetch(path);
    if (answer.status === 401 || answer.status === 403) {
      const reason = reasonOf(answer);
      if (reason === 'Login failed') throw new SourceError(`authentication failed: RabbitMQ management API at ${this.base} rejected the credentials`);
      throw new SourceError(`unauthorised: the user may not read ${where} (${reason}; it needs the management tag and read permission on vhost '${escapeControl(this.options.vhost)}')`);
    }
    if (answer.status === 404) throw await this.notFound(where);
    if (answer.status < 200 || answer.status > 299) throw new SourceError(`RabbitMQ management API ${where} answered HTTP ${answer.status}`);
    try {
      return JSON.parse(answer.text) as T;
    } catch (error) {
      const type = answer.headers.get('content-type') ?? 'no content type';
      throw new SourceError(`RabbitMQ management API ${where} answered malformed JSON (${escapeControl(type.slice(0, 60))}, ${answer.text.length} characters)`, { cause: error });
    }
  }

  private async fetch(path: string): Promise<HttpAnswer> {
    const timeoutMs = this.options.timeoutMs ?? requestTimeoutMs();
    try {
      return await fetchText(`${this.base}${path}`, { method: 'GET', headers: { authorization: this.authorization, accept: 'application/json' } }, { timeoutMs });
    } catch (error) {
      const { reason, detail } = describeNetworkFailure(error, timeoutMs);
      if (reason === 'timeout') throw new SourceError(`RabbitMQ management API at ${this.base} timed out: ${detail} for ${path.split('?')[0]}`, { cause: error });
      throw new SourceError(`cannot reach RabbitMQ management API at ${this.base}: ${detail}`, { cause: error });
    }
  }

  /**
   * Every call but /api/overview is scoped to the vhost, so a 404 means a missing vhost — or a URL
   * that is not the management API at all: /api/overview, which needs no vhost, tells them apart.
   */
  private notFound(where: string): Promise<SourceError> {
    this.vhostCheck ??= this.fetch('/api/overview').then(
      (overview) =>
        isManagementOverview(overview)
          ? new SourceError(`vhost not found: '${escapeControl(this.options.vhost)}' on ${this.base}`)
          : new SourceError(`no RabbitMQ management API at ${this.base}: ${where} answered HTTP 404 and /api/overview answered HTTP ${overview.status}`),
      (error: unknown) => (error instanceof SourceError ? error : new SourceError(String(error))),
    );
    return this.vhostCheck;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const optional = (value: unknown, type: 'string' | 'number') => value === undefined || value === null || typeof value === type;

function namedProblem(item: unknown): string | null {
  if (!isRecord(item) || typeof item.name !== 'string') return 'not an object with a name';
  return item.arguments === undefined || item.arguments === null || isRecord(item.arguments) ? null : 'a listing whose arguments are not an object';
}

function queueProblem(item: unknown): string | null {
  const problem = namedProblem(item);
  if (problem !== null || !isRecord(item)) return problem;
  return optional(item.type, 'string') && optional(item.policy, 'string') && optional(item.operator_policy, 'string') ? null : 'a queue whose type or policy is not a string';
}

function exchangeProblem(item: unknown): string | null {
  const problem = namedProblem(item);
  if (problem !== null || !isRecord(item)) return problem;
  return typeof item.type === 'string' ? null : 'an exchange without a type';
}

function policyProblem(item: unknown): string | null {
  if (!isRecord(item) || typeof item.name !== 'string') return 'not an object with a name';
  if (typeof item.pattern !== 'string') return 'a policy without a pattern';
  if (item.definition !== undefined && !isRecord(item.definition)) return 'a policy whose definition is not an object';
  return optional(item['apply-to'], 'string') && optional(item.priority, 'number') ? null : 'a policy whose apply-to or priority has the wrong type';
}

function bindingProblem(item: unknown): string | null {
  if (!isRecord(item)) return 'not an object';
  const fields = ['source', 'destination', 'destination_type', 'routing_key'];
  return fields.every((field) => typeof item[field] === 'string') ? null : `a binding without ${fields.join(', ')} as strings`;
}

function isManagementOverview(answer: HttpAnswer): boolean {
  try {
    return answer.status === 200 && typeof (JSON.parse(answer.text) as { management_version?: unknown }).management_version === 'string';
  } catch {
    return false;
  }
}

/** The broker's own reason for a refusal (`Login failed`, `User not authorised to access virtual host`), escaped. */
function reasonOf(answer: HttpAnswer): string {
  try {
    const body = JSON.parse(answer.text) as { reason?: unknown };
    return typeof body.reason === 'string' ? escapeControl(body.reason.slice(0, 200)) : `HTTP ${answer.status}`;
  } catch {
    return `HTTP ${answer.status}`;
  }
}
