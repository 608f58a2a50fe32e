import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { gatewayInstanceAliveV1, gatewayMissedHeartbeats } from '@nidus/contracts';
import { publishDeviceStatus } from '@nidus/gateway-kit';
import type { EventBus, Subscription } from '@nidus/messaging-core';
import {
  DocumentNotFoundError,
  DuplicateKeyError,
  type StoredDocument,
  VersionConflictError,
} from '@nidus/persistence-core';
import { CLOCK, EVENT_BUS, SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import type { Clock, Logger } from '@nidus/ports';
import { toDeviceAccess } from '../device-access/device-access.service';
import type { StoredConnection } from '../devices/device.schema';
import { REGISTRY_STORE, type RegistryStore, instanceTenant } from '../registry.store';
import type { StoredGatewayInstance } from './gateway-instance.schema';

const group = 'device-registry';
const source = 'nidus/device-registry';

/**
 * Devices of a gateway instance that is gone (killed, crashed, its host lost: it never reported them offline) are
 * reported offline here (ARCHITECTURE §4, status). Every instance says it is alive (`iot.gateway.instance-alive.v1`)
 * and is the source of its devices' status events. An instance is gone once its last heartbeat is
 * `gatewayMissedHeartbeats` of its intervals older than the newest heartbeat of any instance (by the gateways' own
 * clocks): a bus outage silences every instance alike and sweeps none, and with every instance dead nothing is judged
 * until one is back. Every `NIDUS_GATEWAY_HEARTBEAT_MS` (the first time that many intervals after start, once a backlog
 * of heartbeats is consumed) the registry sets each device a gone instance still holds to OFFLINE and publishes the
 * status change. Several registry instances may sweep at once: a device's connection state changes by
 * compare-and-set, so each device is reported once. An instance taken as gone that was only stalled reports its
 * devices online again when its heartbeats resume (GatewayInstance.onResumed).
 */
@Injectable()
export class GatewayInstancesService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly heartbeatMs: number;
  private readonly logger: Logger;
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_RUNTIME) runtime: ServiceRuntime,
  ) {
    this.heartbeatMs = runtime.config.gatewayHeartbeatMs;
    this.logger = runtime.logger;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topic: gatewayInstanceAliveV1,
      group,
      handler: (event) => this.seen(event.source, Date.parse(event.time), event.data.interval_ms),
    });
    const next = (ms: number) => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.sweeping = this.sweep()
          .catch((error: unknown) => this.logger.error({ err: error }, 'gone gateway instances not swept'))
          .finally(() => next(this.heartbeatMs)); // one sweep at a time
      }, ms);
      this.timer.unref();
    };
    next(gatewayMissedHeartbeats * this.heartbeatMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.subscription?.close();
    await this.sweeping;
  }

  /** The instance said it was alive at `at` (ms, its clock). */
  seen(instance: string, at: number, intervalMs: number): Promise<void> {
    return this.change(instance, (current) => ({
      projects: current?.projects ?? [],
      last_seen: Math.max(at, current?.last_seen ?? 0),
      interval_ms: intervalMs,
    }));
  }

  /**
   * The instance reported a device of `project` online: it holds devices there (and was alive when it did). Written
   * only the first time, so that a login costs the registry one key read more, not a write.
   */
  async holds(instance: string, project: string, at: number): Promise<void> {
    const known = await this.store.gatewayInstances.get(instanceTenant, instance);
    if (known?.data.projects.includes(project)) return;
    await this.change(instance, (current) => ({
      projects: current?.projects.includes(project)
        ? current.projects
        : [...(current?.projects ?? []), project],
      last_seen: Math.max(at, current?.last_seen ?? 0),
      interval_ms: current?.interval_ms ?? this.heartbeatMs,
    }));
  }

  /** Reports the devices of every gone instance offline, then forgets the instance; resolves with their number. */
  async sweep(): Promise<number> {
    const instances: StoredDocument<StoredGatewayInstance>[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.gatewayInstances.find(
        instanceTenant,
        {},
        { limit: 1000, ...(cursor ? { cursor } : {}) },
      );
      instances.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const newest = Math.max(0, ...instances.map((i) => i.data.last_seen));
    let swept = 0;
    for (const instance of instances)
      if (newest - instance.data.last_seen > gatewayMissedHeartbeats * instance.data.interval_ms)
        swept += await this.sweepInstance(instance, this.clock.now());
    return swept;
  }

  private async sweepInstance(instance: StoredDocument<StoredGatewayInstance>, now: number): Promise<number> {
    let swept = 0;
    for (const project of instance.data.projects) {
      let cursor: string | undefined;
      do {
        const page = await this.store.connections.find(
          project,
          { gateway: instance.id, status: 'ONLINE' },
          { limit: 500, ...(cursor ? { cursor } : {}) },
        );
        for (const connection of page.items) if (await this.offline(project, connection, now)) swept++;
        cursor = page.nextCursor;
      } while (cursor);
    }
    // Unless it spoke meanwhile (then it is alive after all, and keeps its record).
    await this.store.gatewayInstances
      .delete(instanceTenant, instance.id, instance.version)
      .catch((error: unknown) => {
        if (!(error instanceof VersionConflictError || error instanceof DocumentNotFoundError)) throw error;
      });
    if (swept > 0)
      this.logger.warn(
        { instance: instance.id, devices: swept },
        'gateway instance gone: its devices are offline',
      );
    return swept;
  }

  /** One device of a gone instance: OFFLINE, unless its state changed meanwhile (it reconnected elsewhere). */
  private async offline(project: string, connection: StoredDocument<StoredConnection>, now: number) {
    const { gateway: _gone, ...rest } = connection.data;
    const next: StoredConnection = { ...rest, status: 'OFFLINE', updated_at: now };
    try {
      await this.store.connections.replace(project, connection.id, next, connection.version);
    } catch (error) {
      if (error instanceof VersionConflictError || error instanceof DocumentNotFoundError) return false;
      throw error;
    }
    const device = await this.store.devices.get(project, connection.id);
    if (!device) return false; // deleted meanwhile
    await publishDeviceStatus(
      this.bus,
      source,
      toDeviceAccess(project, device.data),
      'OFFLINE',
      now,
      connection.data.updated_at,
    );
    return true;
  }

  /** Applies `next` to the instance's record, inserting it if absent; retried when another writer was first. */
  private async change(
    instance: string,
    next: (current: StoredGatewayInstance | undefined) => StoredGatewayInstance,
  ): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.store.gatewayInstances.get(instanceTenant, instance);
      try {
        if (current)
          await this.store.gatewayInstances.replace(
            instanceTenant,
            instance,
            next(current.data),
            current.version,
          );
        else await this.store.gatewayInstances.insert(instanceTenant, instance, next(undefined));
        return;
      } catch (error) {
        if (!(error instanceof VersionConflictError || error instanceof DuplicateKeyError)) throw error;
      }
    }
    throw new Error(`the record of gateway instance ${instance} kept changing under an update`);
  }
}
