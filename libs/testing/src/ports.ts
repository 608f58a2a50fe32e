import { createServer } from 'node:net';

// Linux gives outgoing connections local ports from 32768 to 60999 (ip_local_port_range). A port picked there, checked
// free and handed to a child process, can be taken by a client's connection before the child listens on it; CI saw
// this as EADDRINUSE. Ports are therefore picked below that range, where only listeners live.
const FIRST = 12_000;
const END = 32_000;
/** Ports this process was given: until its listener binds, a port looks free and could be given twice. */
const given = new Set<number>();

/**
 * The first of `count` consecutive TCP ports on 127.0.0.1 that were all free when asked, picked at random below the
 * ephemeral range so that parallel test workers rarely pick the same ones.
 */
export async function freePorts(count = 1): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = FIRST + Math.floor(Math.random() * (END - FIRST - count));
    if (await allFree(first, count)) {
      for (let port = first; port < first + count; port++) given.add(port);
      return first;
    }
  }
  throw new Error(`no ${count} consecutive free ports between ${FIRST} and ${END}`);
}

async function allFree(first: number, count: number): Promise<boolean> {
  for (let port = first; port < first + count; port++)
    if (given.has(port) || !(await free(port))) return false;
  return true;
}

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
