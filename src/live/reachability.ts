/**
 * Which parts of RabbitMQ answer: AMQP (the live runs need it) and the management API (staging and
 * the verifier need it) are probed separately, so a message can say which one is missing.
 */
import { connect } from 'amqplib';
import { describeNetworkFailure } from '../net/timeouts.js';
import { redactUrl } from '../sources/errors.js';
import { managementClient } from './management.js';

export interface Probe {
  /** Where, without credentials. */
  url: string;
  ok: boolean;
  /** Why not, in words (`connection refused (ECONNREFUSED)`, `HTTP 401 …`); empty when ok. */
  detail: string;
}

export interface RabbitMqReachability {
  amqp: Probe;
  management: Probe;
}

const PROBE_TIMEOUT_MS = 2_000;

async function probeAmqp(amqpUrl: string): Promise<Probe> {
  const url = redactUrl(amqpUrl);
  try {
    const connection = await connect(amqpUrl, { timeout: PROBE_TIMEOUT_MS });
    await connection.close();
    return { url, ok: true, detail: '' };
  } catch (error) {
    return { url, ok: false, detail: describeNetworkFailure(error, PROBE_TIMEOUT_MS).detail };
  }
}

async function probeManagement(managementUrl: string): Promise<Probe> {
  try {
    const client = managementClient(managementUrl, { timeoutMs: PROBE_TIMEOUT_MS });
    await client.api('GET', '/overview');
    return { url: client.url, ok: true, detail: '' };
  } catch (error) {
    return { url: redactUrl(managementUrl), ok: false, detail: (error as Error).message.split('\n')[0] ?? '' };
  }
}

export async function probeRabbitMq(amqpUrl: string, managementUrl: string): Promise<RabbitMqReachability> {
  const [amqp, management] = await Promise.all([probeAmqp(amqpUrl), probeManagement(managementUrl)]);
  return { amqp, management };
}

/** One line naming what answers and what does not. */
export function describeReachability(r: RabbitMqReachability): string {
  const part = (name: string, p: Probe) => `${name} at ${p.url} ${p.ok ? 'answers' : `does not answer (${p.detail})`}`;
  return `RabbitMQ: ${part('AMQP', r.amqp)}; ${part('the management API', r.management)}`;
}
