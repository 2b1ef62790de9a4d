/**
 * Where a dead-lettered message goes: the queues a (dead-letter) exchange routes a routing key to,
 * through direct, fanout, topic and headers exchanges, exchange-to-exchange bindings and alternate
 * exchanges (rabbit_exchange:route/2 — dead-lettering routes like a publish). Pure.
 */
import { matchPolicy, type RabbitPolicy } from './policies.js';

export interface RabbitExchange {
  name: string;
  type: string;
  /** The exchange's x-arguments; `alternate-exchange` is the one routing reads. */
  arguments?: Record<string, unknown>;
}

export interface RabbitBinding {
  /** Source exchange; '' is the default exchange (its bindings are implicit and ignored here). */
  source: string;
  destination: string;
  destinationType: 'queue' | 'exchange';
  routingKey: string;
}

/** The message's routing key is not known from configuration: any key some binding accepts. */
export const ANY_KEY = Symbol('any routing key');
export type RoutingKey = string | typeof ANY_KEY;

/** Exchanges every vhost has; definitions.json does not list them. */
const PREDECLARED: readonly RabbitExchange[] = [
  { name: 'amq.direct', type: 'direct' },
  { name: 'amq.fanout', type: 'fanout' },
  { name: 'amq.topic', type: 'topic' },
  { name: 'amq.headers', type: 'headers' },
  { name: 'amq.match', type: 'headers' },
  { name: 'amq.rabbitmq.trace', type: 'topic' },
];

/** Exchange-to-exchange hops followed at most (a limit on everything; cycles are cut by `visited`). */
const MAX_EXCHANGE_HOPS = 16;

export function topicMatches(pattern: string, key: string): boolean {
  const words = key.split('.');
  const parts = pattern.split('.');
  const match = (p: number, w: number): boolean => {
    if (p === parts.length) return w === words.length;
    const part = parts[p];
    if (part === '#') {
      for (let skip = w; skip <= words.length; skip++) if (match(p + 1, skip)) return true;
      return false;
    }
    if (w === words.length) return false;
    return (part === '*' || part === words[w]) && match(p + 1, w + 1);
  };
  return match(0, 0);
}

export class RoutingTable {
  private readonly exchanges = new Map<string, RabbitExchange>();
  private readonly queueNames: Set<string>;
  private readonly bySource = new Map<string, RabbitBinding[]>();
  private readonly byDestinationQueue = new Map<string, RabbitBinding[]>();

  private readonly alternates = new Map<string, string>();

  /** `policies`: the vhost's user policies, for an `alternate-exchange` set by policy (the argument wins: rabbit_policy:get_arg/3). */
  constructor(queueNames: Iterable<string>, exchanges: readonly RabbitExchange[], bindings: readonly RabbitBinding[], policies: readonly RabbitPolicy[] = []) {
    this.queueNames = new Set(queueNames);
    for (const exchange of [...PREDECLARED, ...exchanges]) this.exchanges.set(exchange.name, exchange);
    for (const exchange of exchanges) {
      const alternate = exchange.arguments?.['alternate-exchange'] ?? alternateByPolicy(exchange.name, policies);
      if (typeof alternate === 'string' && alternate !== '') this.alternates.set(exchange.name, alternate);
    }
    for (const binding of bindings) {
      if (binding.source === '') continue;
      push(this.bySource, binding.source, binding);
      if (binding.destinationType === 'queue') push(this.byDestinationQueue, binding.destination, binding);
    }
  }

  exchangeExists(name: string): boolean {
    return name === '' || this.exchanges.has(name);
  }

  /**
   * The routing keys a message in this queue can carry, for a dead-letter exchange without a
   * dead-letter-routing-key (the message keeps its own): the queue's name (default exchange) and the
   * keys of its bindings; a fanout, headers or wildcard topic binding admits any key.
   */
  inboundKeys(queue: string): RoutingKey[] {
    const keys = new Set<RoutingKey>([queue]);
    for (const binding of this.byDestinationQueue.get(queue) ?? []) {
      const type = this.exchanges.get(binding.source)?.type;
      const literal = type === 'direct' || (type === 'topic' && !/[*#]/.test(binding.routingKey));
      keys.add(literal ? binding.routingKey : ANY_KEY);
    }
    return [...keys];
  }

  /** Queue names the exchange routes any of these keys to, sorted. */
  route(exchange: string, keys: readonly RoutingKey[]): string[] {
    const found = new Set<string>();
    for (const key of keys) this.routeOne(exchange, key, found, new Set(), 0);
    return [...found].sort();
  }

  private routeOne(exchange: string, key: RoutingKey, found: Set<string>, visited: Set<string>, hops: number): void {
    if (visited.has(exchange) || hops > MAX_EXCHANGE_HOPS) return;
    visited.add(exchange);
    if (exchange === '') {
      if (key !== ANY_KEY && this.queueNames.has(key)) found.add(key);
      return;
    }
    const type = this.exchanges.get(exchange)?.type;
    if (type === undefined) return; // dead-lettering to a missing exchange drops the message
    const accepted = (this.bySource.get(exchange) ?? []).filter((binding) => bindingAccepts(type, binding.routingKey, key));
    for (const binding of accepted) {
      if (binding.destinationType === 'exchange') this.routeOne(binding.destination, key, found, visited, hops + 1);
      else if (this.queueNames.has(binding.destination)) found.add(binding.destination);
    }
    // the alternate exchange takes what no binding of this exchange accepted (process_alternate/2)
    const alternate = this.alternates.get(exchange);
    if (accepted.length === 0 && alternate !== undefined) this.routeOne(alternate, key, found, visited, hops + 1);
  }
}

function bindingAccepts(exchangeType: string, bindingKey: string, key: RoutingKey): boolean {
  if (key === ANY_KEY) return true;
  switch (exchangeType) {
    case 'direct':
      return bindingKey === key;
    case 'topic':
      return topicMatches(bindingKey, key);
    default:
      return true; // fanout ignores the key; headers match on headers we cannot know: assume it may route
  }
}

function alternateByPolicy(exchange: string, policies: readonly RabbitPolicy[]): unknown {
  const applying = policies.filter((p) => p.applyTo === 'exchanges' || p.applyTo === 'all');
  // matchPolicy knows queues only; an exchange matches like a queue of no particular type
  const match = matchPolicy({ name: exchange, vhost: '', type: 'classic', arguments: {} }, applying.map((p) => ({ ...p, applyTo: 'all', vhost: undefined })));
  return match?.policy.definition['alternate-exchange'];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
