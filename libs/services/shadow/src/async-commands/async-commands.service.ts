import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type DeviceAccess,
  type DownlinkDelivered,
  type DownlinkResponded,
  createEvent,
  deviceCommandStatusChangedV1,
  formatCompactUtc,
  parseCompactUtc,
} from '@nidus/contracts';
import { RecordIdGenerator, recordIdRange } from '@nidus/domain-ids';
import {
  type Filter,
  type StoredDocument,
  VersionConflictError,
  findOne,
  oldestBeyond,
} from '@nidus/persistence-core';
import { IotdaApiError, type MarkerPaging, findMarkerPage, unavailable } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { KeyedTurns } from '@nidus/ports';
import { connectedDeviceOf, holderTopicOf, modelOf, publishDownlink, requireDevice } from '../downlinks';
import { SHADOW_PARTS, type ShadowParts } from '../shadow.parts';
import { checkCommand } from '../sync-calls/model-checks';
import type { CommandFilters, CreateAsyncCommand } from './async-command.dto';
import { type CommandStatus, type StoredCommand, terminalStatuses } from './async-command.schema';

/** A status change: the new status, the deadline that ends it, the device's answer. */
interface Change {
  readonly status: CommandStatus;
  readonly deadlineMs?: number;
  readonly result?: Record<string, unknown>;
}

/** The request ids of asynchronous commands: `acmd-<record id>`. */
export const asyncCommandPrefix = 'acmd-';
/** A sent command the device has not acknowledged within this becomes TIMEOUT (spec 03 §5.2.4). */
const ackTimeoutMs = 180_000;
/** Cached (PENDING) commands a device may have (spec 05 §3.5.2). */
const maxPendingPerDevice = 20;
const queued: readonly CommandStatus[] = ['PENDING', 'SENT', 'DELIVERED'];

/**
 * Asynchronous commands (spec 03 §5.2, spec 05 §3.5.2–§3.5.6): `immediately` goes to an online device at once (FAILED
 * when it is not); `delay` waits in the device's queue (PENDING) until it is online, and the queue goes one command at
 * a time — the next is sent once the one before was DELIVERED or ended. SENT when handed to the gateway, DELIVERED on
 * the gateway's receipt, SUCCESSFUL or FAILED by the device's answer; EXPIRED and TIMEOUT by deadline. Every status
 * is a `device.command.status` event. Commands are stored: a restart neither loses nor repeats one.
 */
@Injectable()
export class AsyncCommandsService {
  private readonly ids: RecordIdGenerator;
  /** One queue walk at a time per device in this process. */
  private readonly pumping = new KeyedTurns();
  /**
   * One status change at a time per command in this process: a device answers at once, so the gateway's receipt and
   * the answer come together, and read side by side one of them lost its compare-and-set (4 of 10 drained commands in
   * bench:commands), paid a failed write and read again. Across instances the compare-and-set still decides.
   */
  private readonly updating = new KeyedTurns();

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SHADOW_PARTS) private readonly parts: ShadowParts,
  ) {
    this.ids = new RecordIdGenerator(runtime.clock);
  }

  async create(project: string, deviceId: string, body: CreateAsyncCommand) {
    const access = await requireDevice(this.parts.directory, project, deviceId);
    const paras = checkCommand(await modelOf(this.parts.directory, access), body);
    const { commands } = this.parts;
    const delay = body.send_strategy === 'delay';
    if (delay) {
      const pending = await commands
        .count(project, { device_id: deviceId, status: 'PENDING' })
        .catch(unavailable);
      if (pending >= maxPendingPerDevice)
        throw new IotdaApiError('COMMAND_QUEUE_FULL', `Device ${deviceId} has ${pending} cached commands.`);
    }
    const now = this.runtime.clock.now();
    const id = this.ids.next();
    const command: StoredCommand = {
      device_id: deviceId,
      command_id: randomUUID(),
      app_id: access.app_id,
      ...(body.service_id === undefined ? {} : { service_id: body.service_id }),
      ...(body.command_name === undefined ? {} : { command_name: body.command_name }),
      paras,
      expire_time: delay ? body.expire_time || 86_400 : 0,
      send_strategy: body.send_strategy,
      status: 'PENDING',
      created_time: formatCompactUtc(now),
    };
    const stored = await commands.insert(project, id, command).catch(unavailable);
    await this.trimHistory(project, deviceId).catch((error: unknown) =>
      this.runtime.logger.warn({ err: error, deviceId }, 'async commands: history not trimmed'),
    );
    if (delay) {
      await this.transition(project, stored, 'PENDING', now, { deadlineMs: expiryOf(command) });
      await this.pump(access);
    } else if (!(await this.send(access, stored))) await this.transition(project, stored, 'FAILED', now);
    return viewOf((await commands.get(project, id))?.data ?? stored.data);
  }

  async show(project: string, deviceId: string, commandId: string) {
    return viewOf((await this.find(project, deviceId, commandId)).data);
  }

  /** The device's queue (PENDING, SENT, DELIVERED) or its whole history, newest first, with the spec's paging. */
  async list(
    project: string,
    deviceId: string,
    filters: CommandFilters,
    paging: MarkerPaging,
    history: boolean,
  ) {
    await requireDevice(this.parts.directory, project, deviceId);
    const { filter, ids } = filterOf(deviceId, filters, history);
    const query = { filter, ...(ids ? { ids } : {}) };
    const page = await findMarkerPage(this.parts.commands, project, query, paging);
    const commands = page.items.map((c) => viewOf(c.data, true));
    return history
      ? { commands, page: { marker: page.marker } }
      : { commands, page: { count: page.count, marker: page.marker } };
  }

  async count(project: string, deviceId: string, filters: CommandFilters) {
    await requireDevice(this.parts.directory, project, deviceId);
    const { filter, ids } = filterOf(deviceId, filters, true);
    return { count: await this.parts.commands.count(project, filter, ids) };
  }

  /** The device came online: its queue moves. */
  async deviceOnline(access: DeviceAccess): Promise<void> {
    await this.pump(access);
  }

  /** The gateway handed a command to the device's session (DELIVERED), or could not (back in the queue, or FAILED). */
  async receipt(project: string, receipt: DownlinkDelivered): Promise<void> {
    const recordId = receipt.request_id.slice(asyncCommandPrefix.length);
    let deviceId: string | undefined;
    await this.update(project, recordId, (c) => {
      if (c.status !== 'SENT') return undefined;
      deviceId = c.device_id;
      if (receipt.outcome === 'delivered') return { status: 'DELIVERED' };
      if (c.send_strategy === 'immediately') return { status: 'FAILED' };
      return { status: 'PENDING', deadlineMs: expiryOf(c) }; // back in the queue: the device was gone
    });
    if (deviceId !== undefined) await this.pumpDevice(project, deviceId);
  }

  /** The device answered a command: SUCCESSFUL with result code 0 (or none), FAILED otherwise (spec 01 §4.9). */
  async response(
    project: string,
    answer: DownlinkResponded,
  ): Promise<'completed' | 'unknown' | 'mismatched'> {
    const recordId = answer.request_id.slice(asyncCommandPrefix.length);
    const code = answer.body['result_code'];
    const ok = code === undefined || code === 0 || code === '0';
    let access: DeviceAccess | undefined;
    let mismatched = false;
    const changed = await this.update(project, recordId, async (c) => {
      access = await this.parts.directory.device(c.device_id);
      mismatched = !access || connectedDeviceOf(access) !== answer.gateway_id;
      if (mismatched || (c.status !== 'SENT' && c.status !== 'DELIVERED')) return undefined;
      return { status: ok ? 'SUCCESSFUL' : 'FAILED', result: answer.body };
    });
    if (mismatched) return 'mismatched';
    if (!changed || !access) return 'unknown';
    await this.pump(access);
    return 'completed';
  }

  /**
   * A deadline passed (the sweep): a PENDING command EXPIRED, a SENT one TIMEOUT (spec 03 §5.2.4) — if it is still the
   * command's deadline (one left behind by a crash between a status change and its clearing changes nothing).
   */
  async expire(project: string, recordId: string, deadlineId: string): Promise<void> {
    let deviceId: string | undefined;
    await this.update(project, recordId, (c) => {
      if (c.deadline_id !== deadlineId) return undefined;
      deviceId = c.device_id;
      if (c.status === 'PENDING') return { status: 'EXPIRED' };
      if (c.status === 'SENT') return { status: 'TIMEOUT' };
      return undefined;
    });
    if (deviceId !== undefined) await this.pumpDevice(project, deviceId);
  }

  async deviceDeleted(project: string, deviceId: string): Promise<void> {
    for (;;) {
      const page = await this.parts.commands.find(project, { device_id: deviceId }, { limit: 500 });
      for (const c of page.items) {
        await this.parts.commands.delete(project, c.id);
        await this.parts.deadlines.clear(c.data.deadline_id);
      }
      if (!page.nextCursor) return;
    }
  }

  private async pumpDevice(project: string, deviceId: string): Promise<void> {
    const access = await this.parts.directory.device(deviceId);
    if (access && access.project_id === project) await this.pump(access);
  }

  /** Sends the oldest PENDING command if the device is online and nothing of its queue is SENT. */
  private pump(access: DeviceAccess): Promise<void> {
    const key = access.device_id;
    return this.pumping
      .run(key, async () => {
        const { commands } = this.parts;
        const project = access.project_id;
        const inFlight = await commands.count(project, { device_id: key, status: 'SENT' });
        if (inFlight > 0) return;
        const pending = { device_id: key, status: 'PENDING' };
        const head = await commands.find(project, pending, { limit: 1, order: 'asc' });
        const first = head.items[0];
        if (first) await this.send(access, first);
      })
      .catch((error: unknown) =>
        this.runtime.logger.warn({ err: error, deviceId: key }, 'command queue not moved'),
      );
  }

  /**
   * Hands a command to the gateway holding the device: SENT, with the acknowledgement deadline. False if the device is
   * not online; true also when the command changed meanwhile (another instance sent it: not twice).
   */
  private async send(access: DeviceAccess, stored: StoredDocument<StoredCommand>): Promise<boolean> {
    const topic = await holderTopicOf(this.parts.presence, access);
    if (!topic) return false;
    const now = this.runtime.clock.now();
    const deadlineMs = now + ackTimeoutMs;
    if (!(await this.transition(access.project_id, stored, 'SENT', now, { deadlineMs }))) return true;
    const c = stored.data;
    await publishDownlink(this.runtime, topic, access, {
      kind: 'command',
      requestId: `${asyncCommandPrefix}${stored.id}`,
      body: {
        ...(c.service_id === undefined ? {} : { service_id: c.service_id }),
        ...(c.command_name === undefined ? {} : { command_name: c.command_name }),
        paras: c.paras,
      },
      ttlMs: ackTimeoutMs,
      receipt: true,
    });
    return true;
  }

  /**
   * Moves a command to `status` (with the times the spec gives each status), replaces its deadline, and publishes the
   * status. Compare-and-set on the stored version: undefined when the command changed meanwhile.
   */
  private async transition(
    project: string,
    stored: StoredDocument<StoredCommand>,
    status: CommandStatus,
    now: number,
    extra: Omit<Change, 'status'> = {},
  ): Promise<StoredDocument<StoredCommand> | undefined> {
    const time = formatCompactUtc(now);
    const { deadlines, commands } = this.parts;
    const deadlineId =
      extra.deadlineMs === undefined
        ? undefined
        : await deadlines.set('command', project, stored.id, extra.deadlineMs);
    const { deadline_id: oldDeadline, ...rest } = stored.data;
    const data: StoredCommand = {
      ...rest,
      status,
      ...(status === 'SENT' ? { sent_time: time } : {}),
      ...(status === 'DELIVERED' ? { delivered_time: time } : {}),
      ...(extra.result === undefined
        ? {}
        : { result: extra.result, response_time: time, delivered_time: rest.delivered_time ?? time }),
      ...(deadlineId === undefined ? {} : { deadline_id: deadlineId }),
    };
    let saved: StoredDocument<StoredCommand>;
    try {
      saved = await commands.replace(project, stored.id, data, stored.version);
    } catch (error) {
      await deadlines.clear(deadlineId);
      if (error instanceof VersionConflictError) return undefined;
      throw error;
    }
    await deadlines.clear(oldDeadline);
    if (status !== stored.data.status || stored.version === 1) await this.emit(project, data, now);
    return saved;
  }

  /**
   * Applies `step` to the current command until its compare-and-set holds (another instance may change it meanwhile):
   * `step` answers the change, or undefined when the event no longer changes the command. True if it changed.
   */
  private async update(
    project: string,
    recordId: string,
    step: (c: StoredCommand) => Change | undefined | Promise<Change | undefined>,
  ): Promise<boolean> {
    return this.updating.run(recordId, async () => {
      for (let attempt = 1; attempt <= 10; attempt++) {
        const stored = await this.parts.commands.get(project, recordId);
        const change = stored && (await step(stored.data));
        if (!stored || !change) return false;
        const now = this.runtime.clock.now();
        const { status, ...extra } = change;
        if (await this.transition(project, stored, status, now, extra)) return true;
      }
      throw new Error(`command ${recordId} kept changing`);
    });
  }

  /**
   * Keeps the device's newest `commandHistoryPerDevice` commands (records are time-ordered): of the older ones, the
   * finished go. Without it the history grows for ever (20 commands a second are 1.7 million records a day).
   */
  private async trimHistory(project: string, deviceId: string): Promise<void> {
    const { commands } = this.parts;
    const keep = this.runtime.config.commandHistoryPerDevice;
    for (const { id, data } of await oldestBeyond(commands, project, { device_id: deviceId }, keep))
      if (terminalStatuses.includes(data.status)) await commands.delete(project, id);
  }

  private async find(project: string, deviceId: string, commandId: string) {
    await requireDevice(this.parts.directory, project, deviceId);
    const found = await findOne(this.parts.commands, project, { device_id: deviceId, command_id: commandId });
    if (!found) throw new IotdaApiError('COMMAND_NOT_FOUND', `Command ${commandId} of device ${deviceId}.`);
    return found;
  }

  private async emit(project: string, c: StoredCommand, at: number): Promise<void> {
    const access = await this.parts.directory.device(c.device_id).catch(() => undefined);
    await this.runtime.bus.publish(deviceCommandStatusChangedV1, [
      createEvent({
        type: deviceCommandStatusChangedV1.type,
        source: 'nidus/shadow',
        subject: c.device_id,
        tenant: project,
        appid: c.app_id,
        time: new Date(at),
        data: {
          resource: 'device.command.status',
          event: 'update',
          event_time: formatCompactUtc(at),
          notify_data: {
            header: {
              app_id: c.app_id,
              device_id: c.device_id,
              ...(access
                ? { node_id: access.node_id, product_id: access.product_id, gateway_id: access.gateway_id }
                : {}),
            },
            body: {
              command_id: c.command_id,
              created_time: c.created_time,
              sent_time: c.sent_time ?? '',
              delivered_time: c.delivered_time ?? '',
              response_time: c.response_time ?? '',
              status: c.status,
              result:
                terminalStatuses.includes(c.status) && c.result
                  ? { resultCode: c.status, resultDetail: c.result }
                  : null,
            },
          },
        },
      }),
    ]);
  }
}

/** When a cached command expires: created + expire_time. */
function expiryOf(c: StoredCommand): number {
  return (parseCompactUtc(c.created_time) ?? 0) + c.expire_time * 1000;
}

function filterOf(
  deviceId: string,
  f: CommandFilters,
  history: boolean,
): { filter: Filter; ids?: { from?: string; to?: string } } {
  if (f.start_time !== undefined && f.end_time !== undefined && f.start_time > f.end_time)
    throw new IotdaApiError('INVALID_TIME_RANGE', 'start_time is after end_time.');
  const status = f.status === undefined ? (history ? undefined : { in: [...queued] }) : f.status;
  if (!history && f.status !== undefined && !queued.includes(f.status))
    throw new IotdaApiError('INVALID_PARAMETER', 'status of the queue is PENDING, SENT or DELIVERED.');
  const filter: Record<string, Filter[string]> = { device_id: deviceId };
  if (status !== undefined) filter['status'] = status;
  if (f.command_name !== undefined) filter['command_name'] = f.command_name;
  const ids = recordIdRange(f.start_time, f.end_time);
  return { filter, ...(ids ? { ids } : {}) };
}

function viewOf(c: StoredCommand, summary = false) {
  return {
    device_id: c.device_id,
    command_id: c.command_id,
    ...(c.service_id === undefined ? {} : { service_id: c.service_id }),
    ...(c.command_name === undefined ? {} : { command_name: c.command_name }),
    ...(summary ? {} : { paras: c.paras }),
    expire_time: c.expire_time,
    send_strategy: c.send_strategy,
    status: c.status,
    ...(c.result === undefined || summary ? {} : { result: c.result }),
    created_time: c.created_time,
    ...(c.sent_time === undefined ? {} : { sent_time: c.sent_time }),
    ...(c.delivered_time === undefined ? {} : { delivered_time: c.delivered_time }),
    ...(c.response_time === undefined ? {} : { response_time: c.response_time }),
  };
}
