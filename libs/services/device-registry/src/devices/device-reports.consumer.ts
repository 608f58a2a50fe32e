import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  type EventEnvelope,
  type StatusUpdatePush,
  type TopicDefinition,
  deviceInfoReportedV1,
  deviceLogReportedV1,
  deviceStatusChangedV1,
} from '@nidus/contracts';
import type { EventBus, Subscription } from '@nidus/messaging-core';
import { DuplicateKeyError, VersionConflictError } from '@nidus/persistence-core';
import { EVENT_BUS } from '@nidus/platform-runtime';
import { DeviceLogService } from '../device-logs/device-log.service';
import { GatewayInstancesService } from '../gateway-instances/gateway-instances.service';
import { REGISTRY_STORE, type RegistryStore, findDevice, instanceTenant } from '../registry.store';
import type { StoredConnection, StoredDevice } from './device.schema';

const group = 'device-registry';

/**
 * What the device gateways report about a device that the registry keeps (spec 05 §3.3.3 show device): its
 * connection status and times (`iot.device.status-changed.v1`, kept apart from the device: StoredConnection), the
 * versions it runs (`iot.device.info-reported.v1`, spec 01 §4.2) and its log reports (`iot.device.log-reported.v1`,
 * §4.1.2).
 */
@Injectable()
export class DeviceReportsConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly logs: DeviceLogService,
    private readonly gateways: GatewayInstancesService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscriptions.push(
      await this.bus.subscribe({
        topic: deviceStatusChangedV1,
        group,
        handler: (e) => this.recordConnection(e),
      }),
      await this.consume(deviceInfoReportedV1, (event) => {
        const { paras } = event.data;
        return (d) => ({
          ...d,
          ...(paras.fw_version === undefined ? {} : { fw_version: paras.fw_version }),
          ...(paras.sw_version === undefined ? {} : { sw_version: paras.sw_version }),
          ...(paras.device_sdk_version === undefined ? {} : { device_sdk_version: paras.device_sdk_version }),
        });
      }),
      await this.bus.subscribe({
        topic: deviceLogReportedV1,
        group,
        handler: async (e) => void (await this.logs.record(e)),
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.close()));
  }

  /**
   * Keeps the connection state a gateway reported, unless a later one is stored; a deleted device is skipped. An
   * ONLINE state keeps the gateway instance that reported it (the event's source), which holds the device from then on.
   */
  private async recordConnection(event: EventEnvelope<StatusUpdatePush>): Promise<void> {
    const { status } = event.data.notify_data.body;
    if (status !== 'ONLINE' && status !== 'OFFLINE' && status !== 'ABNORMAL') return;
    const changedAt = Date.parse(event.time); // the gateway's clock, in ms (event_time has seconds only)
    const location = await this.store.deviceIndex.get(instanceTenant, event.subject);
    if (!location) return;
    const { project_id: project, record_id: record } = location.data;
    if (status === 'ONLINE') await this.gateways.holds(event.source, project, changedAt);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.store.connections.get(project, record);
      // Older than what is stored: a late event of an earlier session (partitions keep order per device, but two
      // gateway instances publish independently).
      if (current && current.data.updated_at > changedAt) return;
      const activeAt = current?.data.active_at ?? (status === 'ONLINE' ? changedAt : undefined);
      const next: StoredConnection = {
        status,
        updated_at: changedAt,
        ...(activeAt === undefined ? {} : { active_at: activeAt }),
        ...(status === 'ONLINE' ? { gateway: event.source } : {}),
      };
      try {
        if (current) await this.store.connections.replace(project, record, next, current.version);
        else await this.store.connections.insert(project, record, next);
        return;
      } catch (error) {
        // Another instance's event was stored meanwhile: read again
        if (!(error instanceof VersionConflictError || error instanceof DuplicateKeyError)) throw error;
      }
    }
    throw new Error(`the connection state of device ${event.subject} kept changing under an update`);
  }

  /** Applies each event's change to the device it names (`subject`); a device deleted meanwhile is skipped. */
  private consume<T>(
    topic: TopicDefinition<T>,
    changeOf: (event: EventEnvelope<T>) => ((d: StoredDevice) => StoredDevice | undefined) | undefined,
  ): Promise<Subscription> {
    return this.bus.subscribe({
      topic,
      group,
      handler: async (event) => {
        const change = changeOf(event);
        if (change) await this.update(event.subject, change);
      },
    });
  }

  private async update(
    deviceId: string,
    change: (d: StoredDevice) => StoredDevice | undefined,
  ): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await findDevice(this.store, deviceId);
      if (!found) return;
      const { project, device: current } = found;
      const next = change(current.data);
      if (!next) return;
      try {
        await this.store.devices.replace(project, current.id, next, current.version);
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error; // an API write raced this one: read again
      }
    }
    throw new Error(`device ${deviceId} kept changing under an update`);
  }
}
