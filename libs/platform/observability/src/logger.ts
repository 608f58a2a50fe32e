import pino from 'pino';
import type { Logger } from '@nidus/ports';

// Never log secrets (ARCHITECTURE §6): any field with one of these names is replaced, at any depth pino can address.
const secretFields = [
  'secret',
  'password',
  'token',
  'access_key',
  'secret_key',
  'authorization',
  'Authorization',
];
const redactPaths = secretFields.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);

/** The process's JSON logger (one line per entry, ISO time, level names). Services log through children. */
export function createLogger(options: {
  level: string;
  instance: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { instance: options.instance },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
