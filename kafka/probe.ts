// Small network checks for the broker: does an address answer a Kafka
// metadata request, and which loopback ports are free.
import net from 'node:net';
import { describeClusterAt } from '../core/kafka.ts';

/**
 * True when `brokers` answer a metadata request (cluster description with at
 * least one live broker and an active controller) within `timeoutMs`. Never throws.
 */
export async function answersMetadata(brokers: string[], timeoutMs = 3000): Promise<boolean> {
  const c = await describeClusterAt(brokers, timeoutMs);
  return c !== null && c.brokers > 0 && c.controller !== null;
}

/** True when nothing listens on host:port (we could bind it ourselves). */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS considers free right now on host. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
