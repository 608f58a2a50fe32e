import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type DeviceAccess,
  type DownlinkRequestKind,
  createEvent,
  gatewayDownlinkTopic,
} from '@nidus/contracts';
import { type ModelIndex, modelIndexOf } from '@nidus/gateway-kit';
import { syncCallMetrics } from '@nidus/platform-observability';
import { IotdaApiError } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
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
    const access = await this.deviceOf(project, deviceId);
    const product = await this.parts.directory.product(access).catch(unavailable);
    if (!product) throw new IotdaApiError('PRODUCT_NOT_FOUND', `Product ${access.product_id}.`);
    const { kind, body } = what(modelIndexOf(product));
    const target = access.direct ? access.device_id : access.gateway_id;
    const holder = await this.parts.presence.holderOf(target).catch(unavailable);
    const topic = holder === undefined ? undefined : gatewayDownlinkTopic(holder);
    if (!topic) {
      this.metrics.calls.inc({ kind, outcome: 'offline' });
      throw new IotdaApiError('DEVICE_OFFLINE', `Device ${target}.`);
    }
    const requestId = randomUUID();
    const timeoutMs = this.runtime.config.syncCallTimeoutMs;
    const { answer } = await this.parts.pending
      .register(requestId, target, kind, timeoutMs)
      .catch(unavailable);
    const now = this.runtime.clock.now();
    await this.runtime.bus
      .publish(topic, [
        createEvent({
          type: topic.type,
          source: 'nidus/shadow',
          subject: target,
          tenant: project,
          appid: access.app_id,
          data: {
            device_id: target,
            kind,
            request_id: requestId,
            body: access.direct ? body : { object_device_id: access.device_id, ...body },
            expire_time: new Date(now + timeoutMs).toISOString(),
          },
        }),
      ])
      .catch(unavailable);
    const response = await answer;
    if (response === undefined) {
      this.metrics.calls.inc({ kind, outcome: 'timeout' });
      throw new IotdaApiError('REQUEST_TIMEOUT', `No answer from device ${target} in ${timeoutMs} ms.`);
    }
    this.metrics.calls.inc({ kind, outcome: 'answered' });
    return { requestId, response };
  }

  private async deviceOf(project: string, deviceId: string): Promise<DeviceAccess> {
    const access = await this.parts.directory.device(deviceId).catch(unavailable);
    if (!access || access.project_id !== project)
      throw new IotdaApiError('DEVICE_NOT_FOUND', `Device ${deviceId}.`);
    return access;
  }
}

/** A port or the registry could not be reached: 503, not a 500 (the request itself was fine). */
function unavailable(error: unknown): never {
  throw new IotdaApiError('SERVICE_UNAVAILABLE', (error as Error).message);
}
