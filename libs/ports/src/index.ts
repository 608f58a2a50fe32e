// Port types shared by every adapter and service: the few things all of them are handed by the runtime.

/** Structured logger; pino's call shape (`info(fields, message)`), so the platform passes a pino child directly. */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(bindings: object): Logger;
}

/** Result of a readiness probe of one dependency. */
export interface HealthStatus {
  readonly ok: boolean;
  readonly detail?: string;
}

/** Time source; tests may substitute one that they advance. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A logger that drops everything, for adapters used without a platform (scripts, tests). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** The message of anything thrown, for logs, health details and error lines. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs a readiness probe; a probe that throws reports not-ready with the error's message. */
export async function probeHealth(check: () => Promise<HealthStatus>): Promise<HealthStatus> {
  try {
    return await check();
  } catch (error) {
    return { ok: false, detail: errorMessage(error) };
  }
}
export { KeyedTurns } from './keyed-turns';
export { TtlCache } from './ttl-cache';
