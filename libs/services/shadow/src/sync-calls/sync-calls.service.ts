import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { DownlinkRequestKind } from '@nidus/contracts';
import type { ModelIndex } from '@nidus/gateway-kit';
import { syncCallMetrics } from '@nidus/platform-observability';
import { IotdaApiError, unavailable } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { connectedDeviceOf, holderTopicOf, modelOf, publishDownlink, requireDevice } from '../downlinks';
import { SHADOW_PARTS, type ShadowParts } from '../shadow.parts';

export interface SyncAnswer {
  readonly requestId: string;
  readonly response: Record<string, unknown>;
}

/** What the caller wants asked: the kind and the body for the device (without `object_device_id`). */
export type SyncCall = (model: ModelIndex) => { kind: DownlinkRequestKind; body: Record<string, unknown> };

/**
 * Synchronous commands, property sets and gets (spec 03 §5.3, spec 05 §3.5.1, §3.6): the request is checked against
 * the product model, sent to the gateway instance holding the device (a sub-device: its gateway, with
 * `object_device_id`), and the HTTP call waits for the device's answer or times out after `SHADOW_SYNC_TIMEOUT_MS`.
 * A device that is not online is refused at once (409 IOTDA.014016). Sync calls are not stored (spec 03 §5.3).
 */
@Injectable()
export class SyncCallsService {
  private readonly metrics;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SHADOW_PARTS) private readonly parts: ShadowParts,
  ) {
    this.metrics = syncCallMetrics(runtime.metrics);
  }

  async call(project: string, deviceId: string, what: SyncCall): Promise<SyncAnswer> {
    const access = await requireDevice(this.parts.directory, project, deviceId);
    const { kind, body } = what(await modelOf(this.parts.directory, access));
    const target = connectedDeviceOf(access);
    const topic = await holderTopicOf(this.parts.presence, access).catch(unavailable);
    if (!topic) {
      this.metrics.calls.inc({ kind, outcome: 'offline' });
      throw new IotdaApiError('DEVICE_OFFLINE', `Device ${target}.`);
    }
    const requestId = randomUUID();
    const ttlMs = this.runtime.config.syncCallTimeoutMs;
    const { answer } = await this.parts.pending.register(requestId, target, kind, ttlMs).catch(unavailable);
    await publishDownlink(this.runtime, topic, access, { kind, requestId, body, ttlMs }).catch(unavailable);
    const response = await answer;
    if (response === undefined) {
      this.metrics.calls.inc({ kind, outcome: 'timeout' });
      throw new IotdaApiError('REQUEST_TIMEOUT', `No answer from device ${target} in ${ttlMs} ms.`);
    }
    this.metrics.calls.inc({ kind, outcome: 'answered' });
    return { requestId, response };
  }
}
