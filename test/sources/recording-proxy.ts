/**
 * An HTTP proxy that forwards every request to a target and records it: put in front of the RabbitMQ
 * management API or the local SQS endpoint, it proves which calls a source makes.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  /** The SQS operation (`X-Amz-Target: AmazonSQS.<Op>`), when there is one. */
  operation: string | null;
  /** The Authorization header was present (its value is not kept). */
  authorised: boolean;
}

export interface RecordingProxy {
  url: string;
  calls: RecordedCall[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const to = new URL(target);
  const calls: RecordedCall[] = [];
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const amzTarget = incoming.headers['x-amz-target'];
    calls.push({
      method: incoming.method ?? '',
      path: incoming.url ?? '',
      operation: typeof amzTarget === 'string' ? (amzTarget.split('.').at(-1) ?? null) : null,
      authorised: incoming.headers.authorization !== undefined,
    });
    const forwarded = request(
      { host: to.hostname, port: to.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: to.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
