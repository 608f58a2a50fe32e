import { setTimeout as sleep } from 'node:timers/promises';

/**
 * FerretDB v1 on SQLite answers a write that meets another writer's transaction with InternalError (code 1)
 * "database is locked (5) (SQLITE_BUSY)" at once: its update reads and then writes in one transaction, and SQLite does
 * not wait for a lock it would have to upgrade (docs/persistence/ferretdb.md). MongoDB never answers so. The write
 * did not happen; it is tried again, a few times, after a short, growing pause.
 */
export async function retryWhileBusy<R>(run: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= maxAttempts || !isBusy(error)) throw error;
      await sleep(Math.min(2 ** attempt, 100) * (0.5 + Math.random()));
    }
  }
}

const maxAttempts = 12; // about a second of pauses in all

export function isBusy(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 1 && typeof message === 'string' && message.includes('SQLITE_BUSY');
}
