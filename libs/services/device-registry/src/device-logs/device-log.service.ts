import { Inject, Injectable } from '@nestjs/common';
import type { DeviceLogReported, EventEnvelope } from '@nidus/contracts';
import { RecordIdGenerator } from '@nidus/domain-ids';
import { deleteAll } from '@nidus/persistence-core';
import { CountCache, type MarkerPaging, findMarkerPage } from '@nidus/platform-iotda-http';
import { CLOCK } from '@nidus/platform-runtime';
import type { Clock } from '@nidus/ports';
import {
  REGISTRY_STORE,
  type RegistryStore,
  findProjectDevice,
  requireProjectDevice,
} from '../registry.store';
import type { ListDeviceLogsQuery } from './device-log.dto';
import type { StoredDeviceLog } from './device-log.schema';

/** The newest entries kept per device; older ones are removed as new ones arrive. */
export const maxLogsPerDevice = 1000;

/**
 * Device log reports (spec 01 §4.1.2, `$log`/`log_report`), kept per device and listed newest first. IoTDA hands them
 * to its log service; Nidus keeps them itself and lists them through a v5-style extension.
 */
@Injectable()
export class DeviceLogService {
  private readonly ids: RecordIdGenerator;
  private readonly counts: CountCache;

  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.ids = new RecordIdGenerator(clock);
    this.counts = new CountCache(() => clock.now());
  }

  /**
   * Stores one reported entry, then trims the device's log to the newest `maxLogsPerDevice`. A report that arrives
   * after its device was deleted (it was in flight) is dropped: deleting a device deletes its log.
   */
  async record(event: EventEnvelope<DeviceLogReported>): Promise<boolean> {
    const { data } = event;
    const project = event.tenant;
    if (!(await findProjectDevice(this.store, project, data.device_id))) return false;
    await this.store.deviceLogs.insert(project, this.ids.next(), {
      device_id: data.device_id,
      app_id: event.appid ?? '',
      type: data.paras.type,
      content: data.paras.content,
      ...(data.paras.timestamp === undefined ? {} : { timestamp: data.paras.timestamp }),
      event_time: data.event_time,
      received_time: data.received_time,
    });
    this.counts.forget(project);
    const filter = { device_id: data.device_id };
    const excess = (await this.store.deviceLogs.count(project, filter)) - maxLogsPerDevice;
    if (excess > 0) {
      const oldest = await this.store.deviceLogs.find(project, filter, { limit: excess, order: 'asc' });
      for (const entry of oldest.items) await this.store.deviceLogs.delete(project, entry.id);
    }
    return true;
  }

  async list(project: string, deviceId: string, query: ListDeviceLogsQuery, paging: MarkerPaging) {
    await requireProjectDevice(this.store, project, deviceId); // 404 for a device of another project or none
    const filter = { device_id: deviceId, ...(query.type ? { type: query.type } : {}) };
    return findMarkerPage(this.store.deviceLogs, project, { filter, counts: this.counts }, paging);
  }

  /** Deletes every entry of a device (the device is being deleted), a page at a time. */
  async deleteAll(project: string, deviceId: string): Promise<void> {
    await deleteAll(this.store.deviceLogs, project, { device_id: deviceId });
    this.counts.forget(project);
  }
}

export function toDeviceLogDto(id: string, log: StoredDeviceLog) {
  return {
    log_id: id,
    device_id: log.device_id,
    type: log.type,
    content: log.content,
    timestamp: log.timestamp ?? null,
    event_time: log.event_time,
    received_time: log.received_time,
  };
}
