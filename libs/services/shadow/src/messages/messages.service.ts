import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type DeviceAccess,
  type DownlinkDelivered,
  createEvent,
  deviceMessageStatusChangedV1,
  formatCompactUtc,
} from '@nidus/contracts';
import { RecordIdGenerator } from '@nidus/domain-ids';
import {
  DuplicateKeyError,
  type StoredDocument,
  VersionConflictError,
  findOne,
  oldestBeyond,
} from '@nidus/persistence-core';
import { IotdaApiError, unavailable } from '@nidus/platform-iotda-http';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { downlinkTopics } from '@nidus/protocol-iotda-mqtt';
import { connectedDeviceOf, holderTopicOf, publishDownlink, requireDevice } from '../downlinks';
import { SHADOW_PARTS, type ShadowParts } from '../shadow.parts';
import type { CreateMessage } from './message.dto';
import type { MessageStatus, StoredMessage } from './message.schema';

/** Messages kept per device; a new one replaces the oldest (spec 03 §5.4). */
export const maxMessagesPerDevice = 20;
const uncachedDeliveryMs = 60_000;

/**
 * Messages to devices (spec 03 §5.4, spec 05 §3.7): sent at once to an online device, cached for one that is not and
 * sent in order when it comes online, `TIMEOUT` after their `ttl`. `DELIVERED` comes from the gateway's receipt once
 * the publish was handed to the device's session. Every status is a `device.message.status` event.
 */
@Injectable()
export class MessagesService {
  private readonly ids: RecordIdGenerator;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SHADOW_PARTS) private readonly parts: ShadowParts,
  ) {
    this.ids = new RecordIdGenerator(runtime.clock);
  }

  async create(project: string, deviceId: string, body: CreateMessage) {
    const access = await requireDevice(this.parts.directory, project, deviceId);
    const connected = connectedDeviceOf(access);
    const now = this.runtime.clock.now();
    const id = this.ids.next();
    // ttl 0: no caching (spec 05 §3.7.1); an online device still has a minute to take it.
    const expireMs = now + (body.ttl === 0 ? uncachedDeliveryMs : body.ttl * 60_000);
    const message: StoredMessage = {
      device_id: deviceId,
      message_id: body.message_id ?? randomUUID(),
      app_id: access.app_id,
      ...(body.name === undefined ? {} : { name: body.name }),
      message: body.message,
      encoding: body.encoding,
      payload_format: body.payload_format,
      topic:
        body.topic_full_name ??
        (body.topic === undefined
          ? downlinkTopics.messages(connected)
          : `$oc/devices/${connected}/user/${body.topic}`),
      status: 'PENDING',
      created_time: formatCompactUtc(now),
      expire_ms: expireMs,
    };
    const { messages, deadlines } = this.parts;
    const deadlineId = await deadlines.set('message', project, id, expireMs).catch(unavailable);
    let inserted: StoredDocument<StoredMessage>;
    try {
      inserted = await messages.insert(project, id, { ...message, deadline_id: deadlineId });
    } catch (error) {
      await deadlines.clear(deadlineId).catch(() => undefined);
      if (error instanceof DuplicateKeyError)
        throw new IotdaApiError('MESSAGE_ID_EXISTS', `Message ${message.message_id} of device ${deviceId}.`);
      unavailable(error);
    }
    await this.trim(project, deviceId);
    await this.emit(project, access, message, now);
    const failed =
      !(await this.send(access, inserted)) && body.ttl === 0
        ? await this.finish(project, id, 'FAILED', {
            error_code: 'IOTDA.014016',
            error_msg: 'The device is not online and the message may not be cached (ttl 0).',
          })
        : undefined;
    const { data } = failed ?? inserted;
    return {
      message_id: data.message_id,
      result: {
        status: data.status,
        created_time: data.created_time,
        ...(data.finished_time === undefined ? {} : { finished_time: data.finished_time }),
      },
    };
  }

  async list(project: string, deviceId: string) {
    await requireDevice(this.parts.directory, project, deviceId);
    const page = await this.parts.messages.find(
      project,
      { device_id: deviceId },
      { limit: maxMessagesPerDevice, order: 'desc' },
    );
    return { device_id: deviceId, messages: page.items.map((m) => viewOf(m.data)) };
  }

  async show(project: string, deviceId: string, messageId: string) {
    return viewOf((await this.find(project, deviceId, messageId)).data);
  }

  async delete(project: string, deviceId: string, messageId: string): Promise<void> {
    const found = await this.find(project, deviceId, messageId);
    await this.parts.messages.delete(project, found.id);
    await this.parts.deadlines.clear(found.data.deadline_id);
  }

  /** The device came online: its cached messages go, oldest first. */
  async deviceOnline(access: DeviceAccess): Promise<void> {
    const pending = await this.parts.messages.find(
      access.project_id,
      { device_id: access.device_id, status: 'PENDING' },
      { limit: maxMessagesPerDevice, order: 'asc' },
    );
    for (const message of pending.items) await this.send(access, message);
  }

  /** A gateway's receipt: a message handed to the device's session is DELIVERED; otherwise it stays cached. */
  async receipt(project: string, receipt: DownlinkDelivered): Promise<void> {
    if (receipt.outcome !== 'delivered') return; // sent again when the device comes online, until its ttl
    await this.finish(project, receipt.request_id, 'DELIVERED');
  }

  /** The device was deleted: so are its messages. */
  async deviceDeleted(project: string, deviceId: string): Promise<void> {
    const { messages, deadlines } = this.parts;
    const page = await messages.find(project, { device_id: deviceId }, { limit: 1000 });
    for (const m of page.items) {
      await messages.delete(project, m.id);
      await deadlines.clear(m.data.deadline_id);
    }
  }

  /** A cached message's ttl passed (the deadline sweep): TIMEOUT unless it was delivered (spec 03 §5.4). */
  async expire(project: string, recordId: string): Promise<void> {
    await this.finish(project, recordId, 'TIMEOUT');
  }

  /** Sends a pending message if its device is online; false if it is not. */
  private async send(access: DeviceAccess, message: StoredDocument<StoredMessage>): Promise<boolean> {
    const topic = await holderTopicOf(this.parts.presence, access);
    if (!topic) return false;
    const m = message.data;
    const ttlMs = m.expire_ms - this.runtime.clock.now();
    if (ttlMs <= 0) return false; // the sweeper times it out
    const standard =
      m.payload_format === 'standard' && m.topic === downlinkTopics.messages(connectedDeviceOf(access));
    await publishDownlink(this.runtime, topic, access, {
      kind: 'message',
      requestId: message.id,
      body: standard
        ? { ...(m.name === undefined ? {} : { name: m.name }), id: m.message_id, content: m.message }
        : {},
      ...(standard ? {} : { payloadBase64: rawPayload(m).toString('base64') }),
      ...(standard ? {} : { topic: m.topic }),
      receipt: true,
      ttlMs,
    });
    return true;
  }

  /** Gives a PENDING message its final status, once (a late or repeated receipt changes nothing). */
  private async finish(
    project: string,
    recordId: string,
    status: Exclude<MessageStatus, 'PENDING'>,
    errorInfo?: StoredMessage['error_info'],
  ): Promise<StoredDocument<StoredMessage> | undefined> {
    const { messages, deadlines } = this.parts;
    for (let attempt = 1; ; attempt++) {
      const stored = await messages.get(project, recordId);
      if (!stored || stored.data.status !== 'PENDING') return stored;
      const now = this.runtime.clock.now();
      const data: StoredMessage = {
        ...stored.data,
        status,
        finished_time: formatCompactUtc(now),
        ...(errorInfo === undefined ? {} : { error_info: errorInfo }),
      };
      try {
        const saved = await messages.replace(project, recordId, data, stored.version);
        await deadlines.clear(data.deadline_id);
        const access = await this.parts.directory.device(data.device_id).catch(() => undefined);
        await this.emit(project, access ?? {}, data, now);
        return saved;
      } catch (error) {
        if (!(error instanceof VersionConflictError) || attempt >= 5) throw error;
      }
    }
  }

  /** The device's messages beyond the newest `maxMessagesPerDevice` go. */
  private async trim(project: string, deviceId: string): Promise<void> {
    const { messages, deadlines } = this.parts;
    for (const m of await oldestBeyond(messages, project, { device_id: deviceId }, maxMessagesPerDevice)) {
      await messages.delete(project, m.id);
      await deadlines.clear(m.data.deadline_id);
    }
  }

  private async find(project: string, deviceId: string, messageId: string) {
    await requireDevice(this.parts.directory, project, deviceId);
    const found = await findOne(this.parts.messages, project, { device_id: deviceId, message_id: messageId });
    if (!found) throw new IotdaApiError('MESSAGE_NOT_FOUND', `Message ${messageId} of device ${deviceId}.`);
    return found;
  }

  /** Publishes the message's status; `access` fills the push header when the registry still knows the device. */
  private emit(
    project: string,
    access: Partial<DeviceAccess>,
    message: StoredMessage,
    at: number,
  ): Promise<void> {
    const time = formatCompactUtc(at);
    return this.runtime.bus.publish(deviceMessageStatusChangedV1, [
      createEvent({
        type: deviceMessageStatusChangedV1.type,
        source: 'nidus/shadow',
        subject: message.device_id,
        tenant: project,
        appid: message.app_id,
        time: new Date(at),
        data: {
          resource: 'device.message.status',
          event: 'update',
          event_time: time,
          notify_data: {
            header: {
              app_id: message.app_id,
              device_id: message.device_id,
              ...(access.node_id === undefined ? {} : { node_id: access.node_id }),
              ...(access.product_id === undefined ? {} : { product_id: access.product_id }),
              ...(access.gateway_id === undefined ? {} : { gateway_id: access.gateway_id }),
            },
            body: {
              message_id: message.message_id,
              ...(message.name === undefined ? {} : { name: message.name }),
              topic: message.topic,
              status: message.status,
              timestamp: time,
            },
          },
        },
      }),
    ]);
  }
}

/** What a raw or custom-topic message sends: base64 decoded, text as it is, any other JSON as JSON text. */
function rawPayload(m: StoredMessage): Buffer {
  if (m.encoding === 'base64') return Buffer.from(m.message as string, 'base64');
  return Buffer.from(typeof m.message === 'string' ? m.message : JSON.stringify(m.message));
}

function viewOf(m: StoredMessage) {
  return {
    message_id: m.message_id,
    ...(m.name === undefined ? {} : { name: m.name }),
    message: m.message,
    encoding: m.encoding,
    payload_format: m.payload_format,
    topic: m.topic,
    status: m.status,
    ...(m.error_info === undefined ? {} : { error_info: m.error_info }),
    created_time: m.created_time,
    ...(m.finished_time === undefined ? {} : { finished_time: m.finished_time }),
  };
}
