import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from '@nidus/testing';

const root = resolve(__dirname, '..', '..');
const entries = {
  platform: 'dist/apps/platform/apps/platform/src/main.js',
  api: 'dist/apps/api/apps/api/src/main.js',
  'device-registry': 'dist/apps/device-registry/apps/device-registry/src/main.js',
  'mqtt-gateway': 'dist/apps/mqtt-gateway/apps/mqtt-gateway/src/main.js',
  shadow: 'dist/apps/shadow/apps/shadow/src/main.js',
  'rule-engine': 'dist/apps/rule-engine/apps/rule-engine/src/main.js',
  'amqp-push': 'dist/apps/amqp-push/apps/amqp-push/src/main.js',
} as const;
export type App = keyof typeof entries;

/** A free TCP port on 127.0.0.1, below the ephemeral range (see freePorts). */
export const freePort = (): Promise<number> => freePorts(1);

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'nidus-e2e-'));
}

/**
 * The settings of an embedded platform for one test: a fresh data directory, free API and MQTT ports, no metrics
 * listener; `extra` adds or overrides settings.
 */
export async function embeddedEnv(extra: Record<string, string> = {}) {
  const dataDir = tempDataDir();
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const env = {
    NIDUS_DATA_DIR: dataDir,
    API_HTTP_PORT: String(httpPort),
    METRICS_PORT: '0',
    MQTT_PORT: String(mqttPort),
    ...extra,
  };
  return {
    env,
    dataDir,
    api: `http://127.0.0.1:${httpPort}`,
    mqtt: `mqtt://127.0.0.1:${mqttPort}`,
    mqttPort,
  };
}

/** The real-infra settings that tools/infra/infra.sh prints (`infra.sh env`), with its defaults. */
export const infraEnv = {
  KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:29092',
  MONGODB_URI: process.env['MONGODB_URI'] ?? 'mongodb://127.0.0.1:27117/nidus',
  REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379',
};

/**
 * The distributed shape's adapters over tools/infra's servers, with a fresh secret key (and internal token): what every
 * process of one test deployment must share.
 */
export function distributedEnv(): Record<string, string> {
  return {
    NIDUS_BUS: 'kafka',
    NIDUS_STORE: 'mongo',
    NIDUS_SESSIONS: 'redis',
    ...infraEnv,
    NIDUS_SECRET_KEY: randomBytes(32).toString('hex'),
    NIDUS_INTERNAL_TOKEN: randomBytes(24).toString('hex'),
  };
}

/** A running Nidus process started from the built app, its output captured. */
export class NidusProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  /**
   * Starts an app with exactly `env` (plus PATH): no inherited NIDUS_* setting leaks in. The MQTT and AMQP listeners
   * are off unless `env` gives them ports: tests run side by side and must not compete for 1883 or 5672.
   */
  static start(app: App, env: Record<string, string>): NidusProcess {
    const child = spawn(join(root, 'tools', 'nidus-node'), [join(root, entries[app])], {
      cwd: root,
      env: {
        PATH: process.env['PATH'] ?? '',
        NIDUS_BIND_HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        MQTT_PORT: '0',
        MQTTS_PORT: '0',
        MQTT_WS_PORT: '0',
        AMQP_PORT: '0',
        AMQPS_PORT: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NidusProcess(child);
  }

  /** Resolves once the start banner is printed; rejects with the output if the process exits first. */
  up(timeoutMs = 60_000): Promise<void> {
    return this.until(() => this.stderr.includes('Nidus is up'), timeoutMs, 'no start banner');
  }

  /** Sends SIGTERM and resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** stdout parsed as JSON lines (every whole line must be one; a line still being written is left out). */
  logLines(): Record<string, unknown>[] {
    return this.stdout
      .slice(0, this.stdout.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Resolves once a log line with this `msg` is on stdout: stdout and the stderr banner arrive independently. */
  logged(msg: string, timeoutMs = 10_000): Promise<void> {
    return this.until(() => this.logLines().some((l) => l['msg'] === msg), timeoutMs, `no log line "${msg}"`);
  }

  /** Polls `check` every 50 ms; rejects with the output if the process exits first or `timeoutMs` passes. */
  private async until(check: () => boolean, timeoutMs: number, missing: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.child.exitCode !== null)
        throw new Error(`exited ${this.child.exitCode}:\n${this.stderr}\n${this.stdout}`);
      if (Date.now() > deadline)
        throw new Error(`${missing} within ${timeoutMs} ms:\n${this.stderr}\n${this.stdout}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** An HTTP GET with curl, the way an operator or a probe would: status and body; status 0 when nothing answered. */
export async function curl(url: string): Promise<{ status: number; body: string }> {
  const stdout = await promisify(execFile)('curl', ['-s', '-m', '5', '-w', '\n%{http_code}', url]).then(
    (r) => r.stdout,
    (error: { stdout?: string }) => error.stdout ?? '\n000', // curl exits non-zero when the connection is refused
  );
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

/** Any HTTP request with curl: status, headers (lower-case names), body, and the body as JSON of the shape `T`. */
export async function curlRequest<T = unknown>(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Record<string, string>; body: string; json: T }> {
  const args = ['-s', '-m', '30', '-X', method, '-D', '-', url];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (options.body !== undefined) {
    args.push('-H', 'content-type: application/json');
    args.push(
      '--data-binary',
      typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    );
  }
  const { stdout } = await promisify(execFile)('curl', args, { maxBuffer: 16 * 1024 * 1024 });
  const split = stdout.indexOf('\r\n\r\n');
  const head = stdout.slice(0, split).split('\r\n');
  const body = stdout.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  let json: unknown = {};
  try {
    json = body ? JSON.parse(body) : {};
  } catch {
    // not JSON: `body` has the text
  }
  return { status: Number(head[0]!.split(' ')[1]), headers, body, json: json as T };
}

/** Runs a program to completion: its stdout, or a rejection carrying stderr. */
export async function run(program: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await promisify(execFile)(program, args, {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
