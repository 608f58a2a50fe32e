import { isUtf8 } from 'node:buffer';
import {
  type EventEnvelope,
  type ServiceEvent,
  type TopicDefinition,
  commandResponsePayloadSchema,
  createEvent,
  deviceDownlinkRespondedV1,
  deviceEventReportedV1,
  deviceInfoParasSchema,
  deviceInfoReportedV1,
  deviceLogReportedV1,
  deviceMessageReportedV1,
  devicePropertyReportedV1,
  deviceShadowRequestedV1,
  eventEnvelopePayloadSchema,
  gatewayPropertyReportPayloadSchema,
  isSystemService,
  logReportParasSchema,
  propertiesGetResponsePayloadSchema,
  propertiesSetResponsePayloadSchema,
  propertyReportPayloadSchema,
  shadowGetPayloadSchema,
  systemEventRoute,
  timeSyncRequestParasSchema,
} from '@nidus/contracts';
import type { EventBus } from '@nidus/messaging-core';
import type { Clock } from '@nidus/ports';
import type { UplinkTopic } from '@nidus/protocol-iotda-mqtt';
import type { z } from 'zod';
import type { DeviceDirectory } from './device-directory';
import { checkFields, modelIndexOf } from './product-model.index';
import {
  type DeviceContext,
  type Downlink,
  type UplinkOutcome,
  normaliseEventTime,
  notifyHeaderOf,
  originOf,
  rejected,
} from './uplink-event';
import { type Pending, accepted, add, jsonOrText } from './uplink-pending';
import { type Decoded, decodeJson, errorEvent, issuesOf, timeSyncResponse } from './uplink-replies';

export interface UplinkPipelineOptions {
  readonly bus: EventBus;
  readonly directory: DeviceDirectory;
  readonly clock: Clock;
  /** CloudEvents `source` of what the gateway publishes, e.g. `nidus/mqtt-gateway`. */
  readonly source: string;
}

type ServiceProperties = {
  service_id: string;
  properties: Record<string, unknown>;
  event_time?: string | undefined;
};

/**
 * The shared device pipeline after authentication and topic ACL (ARCHITECTURE §8, gateway-kit): decode → validate
 * against the contract and the product model → build versioned bus events → publish, resolving only once the bus
 * holds them durably (the transport acknowledges after that). Replies the platform answers at once (time sync,
 * error events) come back with the outcome. A bus failure rejects: the transport must not acknowledge.
 */
export class UplinkPipeline {
  constructor(private readonly options: UplinkPipelineOptions) {}

  async handle(
    device: DeviceContext,
    topic: UplinkTopic,
    payload: Buffer,
    receivedAt: number,
  ): Promise<UplinkOutcome> {
    const pending: Pending = new Map();
    const outcome = await this.decode(device, topic, payload, receivedAt, pending);
    const publishes: Promise<void>[] = [];
    for (const [t, events] of pending) publishes.push(this.options.bus.publish(t, events));
    await Promise.all(publishes);
    return outcome;
  }

  private decode(device: DeviceContext, topic: UplinkTopic, payload: Buffer, at: number, out: Pending) {
    switch (topic.kind) {
      case 'message':
      case 'custom':
        return this.message(device, payload, at, out, topic);
      case 'property-report':
        return this.propertyReport(device, payload, at, out);
      case 'gateway-property-report':
        return this.gatewayReport(device, payload, at, out);
      case 'event':
        return this.events(device, payload, at, out);
      case 'command-response':
        return this.response(device, 'command', commandResponsePayloadSchema, topic, payload, at, out);
      case 'properties-set-response':
        return this.response(
          device,
          'properties-set',
          propertiesSetResponsePayloadSchema,
          topic,
          payload,
          at,
          out,
        );
      case 'properties-get-response':
        return this.response(
          device,
          'properties-get',
          propertiesGetResponsePayloadSchema,
          topic,
          payload,
          at,
          out,
        );
      case 'shadow-get':
        return this.shadowGet(device, topic, payload, at, out);
    }
  }

  /** T1 and custom topics (spec 01 §4.8.1): not validated; JSON passes as JSON, other bytes as text or base64. */
  private async message(
    device: DeviceContext,
    payload: Buffer,
    at: number,
    out: Pending,
    topic: UplinkTopic,
  ): Promise<UplinkOutcome> {
    const text = isUtf8(payload) ? payload.toString('utf8') : undefined;
    let content = text === undefined ? undefined : jsonOrText(text);
    let target = device;
    let wrapper: { id?: unknown; name?: unknown } = {};
    const object =
      content !== null && typeof content === 'object' && !Array.isArray(content)
        ? (content as Record<string, unknown>)
        : undefined;
    if (object && 'content' in object && topic.kind === 'message') {
      // The system wrapper {object_device_id, name, id, content} (spec 01 §4.8.1)
      const objectDeviceId = object['object_device_id'];
      if (typeof objectDeviceId === 'string') {
        const resolved = await this.target(device, objectDeviceId);
        if (!resolved)
          return rejected(
            'not-a-sub-device',
            `object_device_id ${objectDeviceId} is not this device or its sub-device`,
          );
        target = resolved;
      }
      wrapper = object;
      content = object['content'];
    }
    add(
      out,
      deviceMessageReportedV1,
      this.event(deviceMessageReportedV1, target, at, {
        resource: 'device.message',
        event: 'report',
        event_time: normaliseEventTime(undefined, at),
        notify_data: {
          header: notifyHeaderOf(target.access),
          body: {
            topic: topic.name,
            content: text === undefined ? payload.toString('base64') : content,
            ...(text === undefined ? { content_encoding: 'base64' as const } : {}),
            ...(typeof wrapper.id === 'string' ? { message_id: wrapper.id } : {}),
            ...(typeof wrapper.name === 'string' ? { name: wrapper.name } : {}),
          },
        },
      }),
    );
    return accepted();
  }

  /** T5 (spec 01 §4.7.1): services failing the model are left out and logged (spec 02 §2.2.2). */
  private async propertyReport(device: DeviceContext, payload: Buffer, at: number, out: Pending) {
    const body = decodeJson(payload, propertyReportPayloadSchema);
    if (!body.ok) {
      const notJson = !body.outcome.accepted && body.outcome.reason === 'invalid-json';
      return notJson && device.product.data_format === 'binary'
        ? rejected(
            'binary-without-codec',
            'binary property reports need the product codec (not yet supported)',
          )
        : body.outcome;
    }
    const problems: string[] = [];
    this.addPropertyReport(device, body.value.services, at, out, problems);
    if (!out.size) return rejected('model-mismatch', problems.join('; '));
    return accepted([], problems);
  }

  /** T6 (spec 01 §4.7.2): one property report per sub-device of this gateway; strangers are skipped and logged. */
  private async gatewayReport(device: DeviceContext, payload: Buffer, at: number, out: Pending) {
    const body = decodeJson(payload, gatewayPropertyReportPayloadSchema);
    if (!body.ok) return body.outcome;
    const problems: string[] = [];
    for (const entry of body.value.devices) {
      const child = await this.target(device, entry.device_id);
      if (!child) {
        problems.push(`${entry.device_id} is not a sub-device of ${device.access.device_id}`);
        continue;
      }
      this.addPropertyReport(child, entry.services, at, out, problems);
    }
    if (!out.size) return rejected('model-mismatch', problems.join('; '));
    return accepted([], problems);
  }

  private addPropertyReport(
    device: DeviceContext,
    services: readonly ServiceProperties[],
    at: number,
    out: Pending,
    problems: string[],
  ) {
    const model = modelIndexOf(device.product);
    const good: { service_id: string; properties: Record<string, unknown>; event_time: string }[] = [];
    for (const s of services) {
      const service = model.services.get(s.service_id);
      const check = service
        ? checkFields(service.properties, s.properties)
        : ({ ok: false, reason: 'not in the product model' } as const);
      if (!check.ok) {
        problems.push(`${device.access.device_id} service ${s.service_id}: ${check.reason}`);
        continue;
      }
      good.push({
        service_id: s.service_id,
        properties: check.values,
        event_time: normaliseEventTime(s.event_time, at),
      });
    }
    if (good.length === 0) return;
    add(
      out,
      devicePropertyReportedV1,
      this.event(devicePropertyReportedV1, device, at, {
        resource: 'device.property',
        event: 'report',
        event_time: normaliseEventTime(undefined, at),
        notify_data: { header: notifyHeaderOf(device.access), body: { services: good } },
      }),
    );
  }

  /** T13 (spec 01 §3.3, §4.0): each entry to the service that owns it; unknown pairs get an error event back. */
  private async events(
    device: DeviceContext,
    payload: Buffer,
    at: number,
    out: Pending,
  ): Promise<UplinkOutcome> {
    const body = decodeJson(payload, eventEnvelopePayloadSchema);
    if (!body.ok) return body.outcome;
    const { object_device_id: objectDeviceId, services = [] } = body.value;
    const target = objectDeviceId === undefined ? device : await this.target(device, objectDeviceId);
    if (!target)
      return rejected(
        'not-a-sub-device',
        `object_device_id ${objectDeviceId} is not this device or its sub-device`,
      );
    const replies: Downlink[] = [];
    const problems: string[] = [];
    for (const entry of services) {
      const problem = this.event1(device, target, entry, objectDeviceId, at, out, replies);
      if (problem) {
        problems.push(problem);
        replies.push(errorEvent(device, objectDeviceId, entry, problem, this.options.clock.now()));
      }
    }
    return accepted(replies, problems);
  }

  /** One `events/up` entry; a problem description when it cannot be taken. */
  private event1(
    device: DeviceContext,
    target: DeviceContext,
    entry: ServiceEvent,
    objectDeviceId: string | undefined,
    at: number,
    out: Pending,
    replies: Downlink[],
  ): string | undefined {
    const origin = originOf(target.access, device.access.device_id, at);
    const eventTime = normaliseEventTime(entry.event_time, at);
    const paras = entry.paras ?? {};
    if (!isSystemService(entry.service_id)) {
      const definitions = modelIndexOf(target.product)
        .services.get(entry.service_id)
        ?.events.get(entry.event_type);
      if (!definitions) return `event ${entry.service_id}/${entry.event_type} is not in the product model`;
      const check = checkFields(definitions, paras);
      if (!check.ok) return `event ${entry.service_id}/${entry.event_type}: ${check.reason}`;
      add(
        out,
        deviceEventReportedV1,
        this.event(deviceEventReportedV1, target, at, {
          ...origin,
          service_id: entry.service_id,
          event_type: entry.event_type,
          event_time: eventTime,
          paras: check.values,
        }),
      );
      return undefined;
    }
    const route = systemEventRoute(entry.service_id, entry.event_type);
    if (!route) return `unknown system event ${entry.service_id}/${entry.event_type}`;
    if ('answer' in route) {
      const request = timeSyncRequestParasSchema.safeParse(paras);
      if (!request.success) return `time_sync_request: ${issuesOf(request.error)}`;
      replies.push(
        timeSyncResponse(device, objectDeviceId, request.data.device_send_time, at, this.options.clock.now()),
      );
      return undefined;
    }
    if (route.topic === deviceInfoReportedV1) {
      const info = deviceInfoParasSchema.safeParse(paras);
      if (!info.success) return `sdk_info_report: ${issuesOf(info.error)}`;
      add(out, route.topic, this.event(deviceInfoReportedV1, target, at, { ...origin, paras: info.data }));
      return undefined;
    }
    if (route.topic === deviceLogReportedV1) {
      const log = logReportParasSchema.safeParse(paras);
      if (!log.success) return `log_report: ${issuesOf(log.error)}`;
      add(
        out,
        route.topic,
        this.event(deviceLogReportedV1, target, at, { ...origin, event_time: eventTime, paras: log.data }),
      );
      return undefined;
    }
    add(
      out,
      route.topic,
      this.event(route.topic, target, at, {
        ...origin,
        service_id: entry.service_id,
        event_type: entry.event_type,
        event_time: eventTime,
        ...(entry.event_id === undefined ? {} : { event_id: entry.event_id }),
        paras,
      }),
    );
    return undefined;
  }

  /** T4, T8, T10: a device's answer, for whoever waits for that request id. */
  private async response(
    device: DeviceContext,
    kind: 'command' | 'properties-set' | 'properties-get',
    schema: z.ZodType<Record<string, unknown>>,
    topic: UplinkTopic,
    payload: Buffer,
    at: number,
    out: Pending,
  ) {
    // An empty response means success (result_code absent, spec 01 §4.9).
    const body = payload.length === 0 ? ({ ok: true, value: {} } as const) : decodeJson(payload, schema);
    if (!body.ok) return body.outcome;
    add(
      out,
      deviceDownlinkRespondedV1,
      this.event(deviceDownlinkRespondedV1, device, at, {
        ...originOf(device.access, device.access.device_id, at),
        kind,
        request_id: topic.requestId!,
        body: body.value,
      }),
    );
    return accepted();
  }

  /** T11 (spec 01 §4.7.5): the shadow service answers on the response topic. */
  private async shadowGet(
    device: DeviceContext,
    topic: UplinkTopic,
    payload: Buffer,
    at: number,
    out: Pending,
  ) {
    const body: Decoded<z.infer<typeof shadowGetPayloadSchema>> =
      payload.length === 0 ? { ok: true, value: {} } : decodeJson(payload, shadowGetPayloadSchema);
    if (!body.ok) return body.outcome;
    const { object_device_id: objectDeviceId, service_id: serviceId } = body.value;
    const target = objectDeviceId === undefined ? device : await this.target(device, objectDeviceId);
    if (!target)
      return rejected(
        'not-a-sub-device',
        `object_device_id ${objectDeviceId} is not this device or its sub-device`,
      );
    add(
      out,
      deviceShadowRequestedV1,
      this.event(deviceShadowRequestedV1, target, at, {
        ...originOf(target.access, device.access.device_id, at),
        request_id: topic.requestId!,
        ...(serviceId === undefined ? {} : { service_id: serviceId }),
      }),
    );
    return accepted();
  }

  /** The connected device, or a sub-device of it (spec 01 §4.0: anything else is ignored and logged). */
  private async target(device: DeviceContext, deviceId: string): Promise<DeviceContext | undefined> {
    if (deviceId === device.access.device_id) return device;
    const access = await this.options.directory.device(deviceId);
    if (
      !access ||
      access.project_id !== device.access.project_id ||
      access.gateway_id !== device.access.device_id
    )
      return undefined;
    const product = await this.options.directory.product(access);
    return product ? { access, product } : undefined;
  }

  private event<T>(topic: TopicDefinition<T>, device: DeviceContext, at: number, data: T): EventEnvelope<T> {
    return createEvent({
      type: topic.type,
      source: this.options.source,
      subject: device.access.device_id,
      tenant: device.access.project_id,
      appid: device.access.app_id,
      time: new Date(at),
      data,
    });
  }
}
