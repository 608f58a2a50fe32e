import { type HealthStatus, probeHealth } from '@nidus/ports';

export type HealthCheck = () => Promise<HealthStatus>;

export interface HealthReport {
  readonly status: 'up' | 'down';
  readonly checks: Readonly<Record<string, HealthStatus>>;
}

/**
 * Readiness checks of one service (its bus, stores, listeners), or of a whole process when it includes the
 * registries of its services. Liveness is the process answering at all; readiness is every check passing and the
 * process not shutting down.
 */
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly children = new Map<string, HealthRegistry>();
  private draining = false;

  /** @param checkTimeoutMs a check that takes longer counts as down (ms). */
  constructor(private readonly checkTimeoutMs = 2_000) {}

  add(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** Reports `child`'s checks as `<prefix>.<check>`. */
  include(prefix: string, child: HealthRegistry): void {
    this.children.set(prefix, child);
  }

  /** From now on not ready: load balancers stop sending work while in-flight work drains. */
  markDraining(): void {
    this.draining = true;
    this.children.forEach((c) => c.markDraining());
  }

  async ready(): Promise<HealthReport> {
    const results = await this.runChecks();
    const up = !this.draining && Object.values(results).every((r) => r.ok);
    return {
      status: up ? 'up' : 'down',
      checks: this.draining ? { ...results, shutdown: { ok: false, detail: 'draining' } } : results,
    };
  }

  private async runChecks(): Promise<Record<string, HealthStatus>> {
    const own = await Promise.all(
      [...this.checks].map(
        async ([name, check]) => [name, await withTimeout(check, this.checkTimeoutMs)] as const,
      ),
    );
    const nested = await Promise.all(
      [...this.children].map(async ([prefix, child]) =>
        Object.entries(await child.runChecks()).map(
          ([name, status]) => [`${prefix}.${name}`, status] as const,
        ),
      ),
    );
    return Object.fromEntries([...own, ...nested.flat()]);
  }
}

async function withTimeout(check: HealthCheck, checkTimeoutMs: number): Promise<HealthStatus> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probeHealth(check),
      new Promise<HealthStatus>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, detail: `no answer within ${checkTimeoutMs} ms` }),
          checkTimeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
