import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  type DeviceAccess,
  type EventEnvelope,
  type PropertyReportPush,
  type ShadowRequested,
  formatCompactUtc,
  gatewayDownlinkTopic,
  initialShadowSchema,
} from '@nidus/contracts';
import {
  type DesiredUpdate,
  type ShadowEntry,
  type ShadowModel,
  deepEqual,
  deltaOf,
  initialDesired,
  reportProperties,
  updateDesired,
} from '@nidus/domain-shadow';
import type { ModelIndex } from '@nidus/gateway-kit';
import { DuplicateKeyError, type StoredDocument, VersionConflictError } from '@nidus/persistence-core';
import { IotdaApiError } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { holderTopicOf, modelOf, publishDownlink, requireDevice } from '../downlinks';
import { SHADOW_PARTS, type ShadowParts, shadowDeliveryPrefix } from '../shadow.parts';
import { type Report, ReportedBuffer } from './reported-buffer';
import type { StoredShadow } from './shadow.store';

/** How long reported values wait to be written to the shadow, in ms (ReportedBuffer). */
const reportFlushMs = 100;
/** Least time between two deliveries of desired values to a device for one trigger (spec 02 §4.4 anti-storm guard). */
const deliveryGuardMs = 60_000;
/** How long a delivery or a shadow answer may wait on the bus before its gateway drops it. */
const downlinkTtlMs = 60_000;

type Trigger = 'update' | 'online' | 'report';

/**
 * Device shadows (spec 02 §4): the desired values applications set, the values devices report, and the delivery of
 * the difference as a property set when the device is online — right after an update, when it comes online and when
 * it reports (at most once a minute per trigger) — until a report matches. A device's shadow get is answered here too.
 */
@Injectable()
export class ShadowService implements BeforeApplicationShutdown {
  private readonly buffer: ReportedBuffer;
  private readonly delivered = new Map<string, number>();
  private pruned = 0;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SHADOW_PARTS) private readonly parts: ShadowParts,
  ) {
    this.buffer = new ReportedBuffer(reportFlushMs, (t, d, r) => this.writeReports(t, d, r), runtime.logger);
  }

  async show(project: string, deviceId: string) {
    await requireDevice(this.parts.directory, project, deviceId);
    await this.buffer.flushDevice(project, deviceId);
    return viewOf(deviceId, (await this.parts.store.get(project, deviceId))?.data.services ?? []);
  }

  async updateDesired(project: string, deviceId: string, updates: readonly DesiredUpdate[]) {
    const access = await requireDevice(this.parts.directory, project, deviceId);
    const model = shadowModelOf(await modelOf(this.parts.directory, access));
    await this.buffer.flushDevice(project, deviceId); // the version the caller saw counts every report consumed
    const now = formatCompactUtc(this.runtime.clock.now());
    const saved = await this.change(access, (entries) => {
      const outcome = updateDesired(entries, updates, model, now);
      if (!outcome.ok) throw new IotdaApiError(outcome.reason, outcome.detail);
      return outcome.entries;
    });
    this.deliverLater(access, saved.data.services, 'update');
    return viewOf(deviceId, saved.data.services);
  }

  async delete(project: string, deviceId: string): Promise<void> {
    await requireDevice(this.parts.directory, project, deviceId);
    await this.buffer.flushDevice(project, deviceId);
    await this.parts.store.delete(project, deviceId);
  }

  /** A property report (the bus's `device.property`/`report` body) on its way into the reported sections. */
  noteReported(event: EventEnvelope<PropertyReportPush>): void {
    const received = formatCompactUtc(Date.parse(event.time));
    const { header, body } = event.data.notify_data;
    this.buffer.add(
      event.tenant,
      header.device_id,
      body.services.map((s) => ({
        serviceId: s.service_id,
        properties: s.properties,
        eventTime: s.event_time ?? received,
      })),
    );
  }

  /** The device came online: deliver what it has not confirmed. */
  async deviceOnline(access: DeviceAccess): Promise<void> {
    const { project_id: project, device_id: deviceId } = access;
    await this.buffer.flushDevice(project, deviceId);
    const stored = await this.parts.store.get(project, deviceId);
    if (stored) await this.deliver(access, stored.data.services, 'online');
  }

  /** A device asked for its shadow (spec 01 §4.7.5): the answer goes back through the gateway instance it asked. */
  async answerDeviceGet(event: EventEnvelope<ShadowRequested>): Promise<void> {
    const { device_id: deviceId, request_id: requestId, service_id: serviceId } = event.data;
    const topic = gatewayDownlinkTopic(event.source);
    const access = await this.parts.directory.device(deviceId);
    if (!topic || !access || access.project_id !== event.tenant) return;
    await this.buffer.flushDevice(event.tenant, deviceId);
    const entries = (await this.parts.store.get(event.tenant, deviceId))?.data.services ?? [];
    const { shadow } = viewOf(
      deviceId,
      entries.filter((e) => serviceId === undefined || e.service_id === serviceId),
    );
    await publishDownlink(this.runtime, topic, access, {
      kind: 'shadow-get-response',
      requestId,
      body: { object_device_id: deviceId, shadow },
      ttlMs: downlinkTtlMs,
    });
  }

  /**
   * A device was created: its shadow starts with the product's default values and its creation request's `shadow`
   * (spec 02 §4.4), delivered as any desired value is. Once: a shadow that has begun (the event again, or an update
   * that came first) is left as it is.
   */
  async deviceCreated(project: string, deviceId: string): Promise<void> {
    const path = `/internal/device-access/devices/${encodeURIComponent(deviceId)}/initial-shadow`;
    const initial = await this.parts.client.get('device-registry', path, initialShadowSchema);
    if (!initial || initial.device.project_id !== project) return; // deleted meanwhile
    const access = initial.device;
    const index = await modelOf(this.parts.directory, access);
    const services = new Map([...index.services].map(([id, s]) => [id, s.properties]));
    const updates = initialDesired(services, initial.services);
    if (updates.length === 0) return;
    const now = formatCompactUtc(this.runtime.clock.now());
    const saved = await this.change(access, (entries) => {
      if (entries.length > 0) return entries;
      const outcome = updateDesired(entries, updates, shadowModelOf(index), now);
      if (outcome.ok) return outcome.entries;
      this.runtime.logger.warn(
        { deviceId, reason: outcome.reason, detail: outcome.detail },
        'initial shadow refused',
      );
      return entries;
    });
    this.deliverLater(access, saved.data.services, 'update');
  }

  /** The device was deleted: so is its shadow. */
  async deviceDeleted(project: string, deviceId: string): Promise<void> {
    await this.buffer.flushDevice(project, deviceId);
    await this.parts.store.delete(project, deviceId);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.buffer.flush();
  }

  private async writeReports(project: string, deviceId: string, reports: readonly Report[]): Promise<void> {
    const access = await this.parts.directory.device(deviceId);
    if (!access || access.project_id !== project) return; // deleted meanwhile
    const model = shadowModelOf(await modelOf(this.parts.directory, access));
    const saved = await this.change(access, (entries) =>
      reports.reduce((e, r) => reportProperties(e, r.serviceId, r.properties, r.eventTime, model), entries),
    );
    await this.deliver(access, saved.data.services, 'report');
  }

  /** Reads, changes and writes a device's shadow, again on a concurrent change (optimistic versions). */
  private async change(
    access: DeviceAccess,
    apply: (entries: ShadowEntry[]) => ShadowEntry[],
  ): Promise<StoredDocument<StoredShadow>> {
    const { project_id: project, device_id: deviceId } = access;
    for (let attempt = 1; ; attempt++) {
      const stored = await this.parts.store.get(project, deviceId);
      const services = apply([...(stored?.data.services ?? [])]);
      try {
        if (!stored)
          return await this.parts.store.insert(project, deviceId, {
            device_id: deviceId,
            app_id: access.app_id,
            product_id: access.product_id,
            services,
          });
        if (deepEqual(services, stored.data.services)) return stored;
        return await this.parts.store.replace(
          project,
          deviceId,
          { ...stored.data, services },
          stored.version,
        );
      } catch (error) {
        const conflict = error instanceof VersionConflictError || error instanceof DuplicateKeyError;
        if (!conflict || attempt >= 5) throw error;
      }
    }
  }

  private deliverLater(access: DeviceAccess, entries: readonly ShadowEntry[], trigger: Trigger): void {
    this.deliver(access, entries, trigger).catch((error: unknown) =>
      this.runtime.logger.warn(
        { err: error, deviceId: access.device_id, trigger },
        'desired values not delivered',
      ),
    );
  }

  /** Sends the device the desired values it reports differently, as one property set, if it is online. */
  private async deliver(
    access: DeviceAccess,
    entries: readonly ShadowEntry[],
    trigger: Trigger,
  ): Promise<void> {
    const services = entries
      .map((e) => ({ service_id: e.service_id, properties: deltaOf(e) }))
      .filter((s) => Object.keys(s.properties).length > 0);
    if (services.length === 0) return;
    const now = this.runtime.clock.now();
    if (trigger !== 'update') {
      const key = `${access.device_id}\u0000${trigger}`;
      if (now - (this.delivered.get(key) ?? -Infinity) < deliveryGuardMs) return;
      this.delivered.set(key, now);
      this.prune(now);
    }
    const topic = await holderTopicOf(this.parts.presence, access);
    if (!topic) return; // delivered at the next online or report
    await publishDownlink(this.runtime, topic, access, {
      kind: 'properties-set',
      requestId: `${shadowDeliveryPrefix}${randomUUID()}`,
      body: { services },
      ttlMs: downlinkTtlMs,
    });
    this.runtime.logger.debug({ deviceId: access.device_id, trigger, services }, 'desired values delivered');
  }

  /** Forgets guard entries older than the guard, once a guard period. */
  private prune(now: number): void {
    if (now - this.pruned < deliveryGuardMs) return;
    this.pruned = now;
    for (const [key, at] of this.delivered) if (now - at >= deliveryGuardMs) this.delivered.delete(key);
  }
}

/** The product model's properties per service, as the shadow checks them. */
function shadowModelOf(model: ModelIndex): ShadowModel {
  return (serviceId) => model.services.get(serviceId)?.properties;
}

/** The API's and the device's view of a shadow (spec 02 §4.2): without the pending keys. */
function viewOf(deviceId: string, entries: readonly ShadowEntry[]) {
  return {
    device_id: deviceId,
    shadow: entries.map(({ service_id, desired, reported, version }) => ({
      service_id,
      desired,
      reported,
      version,
    })),
  };
}
