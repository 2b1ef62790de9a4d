import { connect as connectTcp, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to a local port (RabbitMQ's 5672): `stop()` destroys every connection at once and
 * refuses new ones, as a broker outage does; `start()` listens again on the same port.
 */
export function tcpProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connectTcp(targetPort, '127.0.0.1');
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', drop).on('close', drop);
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      server!.close(() => resolve());
    });
  return { start, stop, port: () => port };
}
