import { randomBytes } from 'node:crypto';
import type { PlatformConfig, ServiceName } from '@nidus/platform-config';
import { HealthRegistry } from '@nidus/platform-health';
import { createMetricsRegistry } from '@nidus/platform-observability';
import { SecretBox } from '@nidus/platform-secrets';
import { type Clock, silentLogger, systemClock } from '@nidus/ports';
import type { EventBus } from '@nidus/messaging-core';
import type { Infrastructure } from './infrastructure';
import type { ServiceRuntime } from './service-runtime';

/**
 * A runtime for one service over infrastructure the caller opened, without a process host: the medium tests build a
 * service (or its parts) on it. Silent logs, its own metrics and health, no other service in reach (`locate` gives a
 * closed loopback port). `bus`, `clock` and `secrets` may stand in for the real ones (a bus that fails on cue, a clock
 * the test moves, a box the test sealed with).
 */
export function standaloneRuntime(
  service: ServiceName,
  config: PlatformConfig,
  infra: Infrastructure,
  parts: { bus?: EventBus; clock?: Clock; secrets?: SecretBox; internalToken?: string } = {},
): ServiceRuntime {
  const health = new HealthRegistry();
  return {
    service,
    config,
    logger: silentLogger,
    metrics: createMetricsRegistry({ instance: 'test' }),
    health,
    healthEndpoint: health,
    bus: parts.bus ?? infra.bus,
    clock: parts.clock ?? systemClock,
    documents: () => infra.documents(service),
    sessions: () => infra.sessions(service),
    secrets: parts.secrets ?? new SecretBox(randomBytes(32)),
    internalToken: parts.internalToken ?? randomBytes(16).toString('hex'),
    locate: () => 'http://127.0.0.1:1',
    handlerOf: () => undefined,
    notice: () => undefined,
  };
}
