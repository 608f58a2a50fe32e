import type { z } from 'zod';
import {
  deviceEventReportedSchema,
  deviceInfoReportedSchema,
  deviceLogReportedSchema,
  downlinkRespondedSchema,
  shadowRequestedSchema,
} from './device-events';
import {
  type DownlinkRequested,
  downlinkDeliveredSchema,
  downlinkRequestedSchema,
  gatewayInstanceAliveSchema,
} from './gateway-events';
import {
  amqpForwardedSchema,
  deviceLifecyclePushSchema,
  messageReportPushSchema,
  messageStatusPushSchema,
  commandStatusPushSchema,
  productLifecyclePushSchema,
  propertyReportPushSchema,
  statusUpdatePushSchema,
} from './iotda-push';

/** A bus topic and the one event type it carries. STYLE rule 4: the name carries the version. */
export interface TopicDefinition<T = unknown> {
  /** `iot.<domain>.<event>.v<n>`, e.g. `iot.device.property-reported.v1`. */
  readonly name: string;
  /** CloudEvents `type` of every event on the topic, e.g. `iotda.device.property.reported.v1`. */
  readonly type: string;
  /** Validates `data` when an event enters a consumer (STYLE rule 5). */
  readonly schema: z.ZodType<T>;
  readonly description: string;
  /**
   * `instance`: the topic belongs to one running instance (its name carries the instance's boot id), so no one reads
   * its events once that instance is gone. The in-process bus keeps them in memory only: no journal, no fsync (the
   * topic a restarted process reads has another name). Default: events outlive their publisher.
   */
  readonly lifetime?: 'instance';
}

const TOPIC_NAME = /^iot\.[a-z][a-z0-9]*(-[a-z0-9]+)*\.[a-z][a-z0-9]*(-[a-z0-9]+)*\.v[1-9][0-9]*$/;

export function isTopicName(name: string): boolean {
  return TOPIC_NAME.test(name);
}

export function defineTopic<T>(topic: TopicDefinition<T>): TopicDefinition<T> {
  if (!isTopicName(topic.name)) throw new Error(`topic name ${topic.name} is not iot.<domain>.<event>.v<n>`);
  const version = topic.name.slice(topic.name.lastIndexOf('.'));
  if (!topic.type.endsWith(version))
    throw new Error(`topic ${topic.name} and type ${topic.type} differ in version`);
  return topic;
}

/**
 * Where a consumer group parks events it could not handle after its retries: one dead-letter topic per group,
 * the original topic in the event's headers, so a group's poison never disturbs another group.
 */
export function deadLetterTopicName(group: string): string {
  const name = `iot.dlq.${group}.v1`;
  if (!isTopicName(name)) throw new Error(`consumer group ${group} must be lowercase words joined by '-'`);
  return name;
}

export const devicePropertyReportedV1 = defineTopic({
  name: 'iot.device.property-reported.v1',
  type: 'iotda.device.property.reported.v1',
  schema: propertyReportPushSchema,
  description: 'A device reported property values; data is the IoTDA device.property/report push body.',
});

export const deviceMessageReportedV1 = defineTopic({
  name: 'iot.device.message-reported.v1',
  type: 'iotda.device.message.reported.v1',
  schema: messageReportPushSchema,
  description:
    'A device reported a message on a system or custom topic; data is the IoTDA device.message/report push body.',
});

export const deviceStatusChangedV1 = defineTopic({
  name: 'iot.device.status-changed.v1',
  type: 'iotda.device.status.changed.v1',
  schema: statusUpdatePushSchema,
  description:
    'A directly connected device went online, offline or abnormal; data is the IoTDA device.status/update push body.',
});

export const deviceLifecycleChangedV1 = defineTopic({
  name: 'iot.device.lifecycle-changed.v1',
  type: 'iotda.device.lifecycle.changed.v1',
  schema: deviceLifecyclePushSchema,
  description:
    'A device was created, updated (renamed, frozen, unfrozen, secret reset) or deleted; data is the IoTDA device/create|update|delete push body.',
});

export const productLifecycleChangedV1 = defineTopic({
  name: 'iot.product.lifecycle-changed.v1',
  type: 'iotda.product.lifecycle.changed.v1',
  schema: productLifecyclePushSchema,
  description:
    'A product (with its model) was created, updated or deleted; data is the IoTDA product/create|update|delete push body.',
});

export const deviceEventReportedV1 = defineTopic({
  name: 'iot.device.event-reported.v1',
  type: 'iotda.device.event.reported.v1',
  schema: deviceEventReportedSchema,
  description: 'A device reported a product-model event on events/up (spec 01 §3.3).',
});

export const deviceInfoReportedV1 = defineTopic({
  name: 'iot.device.info-reported.v1',
  type: 'iotda.device.info.reported.v1',
  schema: deviceInfoReportedSchema,
  description: 'A device reported its SDK, software and firmware versions ($sdk_info, spec 01 §4.2).',
});

export const deviceLogReportedV1 = defineTopic({
  name: 'iot.device.log-reported.v1',
  type: 'iotda.device.log.reported.v1',
  schema: deviceLogReportedSchema,
  description: 'A device reported a log entry ($log / log_report, spec 01 §4.1.2).',
});

export const deviceOtaReportedV1 = defineTopic({
  name: 'iot.device.ota-reported.v1',
  type: 'iotda.device.ota.reported.v1',
  schema: deviceEventReportedSchema,
  description: 'A device reported its versions or upgrade progress ($ota, spec 01 §4.5).',
});

export const deviceFileRequestedV1 = defineTopic({
  name: 'iot.device.file-requested.v1',
  type: 'iotda.device.file.requested.v1',
  schema: deviceEventReportedSchema,
  description: 'A device asked for a file URL or reported a transfer result ($file_manager, spec 01 §4.4).',
});

export const gatewaySubDevicesRequestedV1 = defineTopic({
  name: 'iot.gateway.sub-devices-requested.v1',
  type: 'iotda.gateway.sub-devices.requested.v1',
  schema: deviceEventReportedSchema,
  description:
    'A gateway asked to sync, add, delete or update sub-devices, or reported their status or a scan ($sub_device_manager, $sub_device_discovery; spec 01 §4.6).',
});

export const deviceDownlinkRespondedV1 = defineTopic({
  name: 'iot.device.downlink-responded.v1',
  type: 'iotda.device.downlink.responded.v1',
  schema: downlinkRespondedSchema,
  description:
    'A device answered a command, a property set or a property get (spec 01 §4.7.3, §4.7.4, §4.9).',
});

export const deviceShadowRequestedV1 = defineTopic({
  name: 'iot.device.shadow-requested.v1',
  type: 'iotda.device.shadow.requested.v1',
  schema: shadowRequestedSchema,
  description: 'A device asked for its shadow (spec 01 §4.7.5).',
});

export const gatewayInstanceAliveV1 = defineTopic({
  name: 'iot.gateway.instance-alive.v1',
  type: 'nidus.gateway.instance.alive.v1',
  schema: gatewayInstanceAliveSchema,
  description:
    'A device gateway instance is alive; one three intervals behind the others is taken as gone, its devices as offline.',
});

export const deviceDownlinkDeliveredV1 = defineTopic({
  name: 'iot.device.downlink-delivered.v1',
  type: 'nidus.device.downlink.delivered.v1',
  schema: downlinkDeliveredSchema,
  description: 'A gateway delivered a message to a device, or could not (it was not connected, or too late).',
});

export const deviceMessageStatusChangedV1 = defineTopic({
  name: 'iot.device.message-status-changed.v1',
  type: 'iotda.device.message.status.changed.v1',
  schema: messageStatusPushSchema,
  description:
    'A message to a device changed status (PENDING, DELIVERED, FAILED, TIMEOUT); data is the IoTDA device.message.status/update push body.',
});

export const deviceCommandStatusChangedV1 = defineTopic({
  name: 'iot.device.command-status-changed.v1',
  type: 'iotda.device.command.status.changed.v1',
  schema: commandStatusPushSchema,
  description:
    'An asynchronous command changed status (PENDING … SUCCESSFUL); data is the IoTDA device.command.status/update push body.',
});

export const pushAmqpForwardedV1 = defineTopic({
  name: 'iot.push.amqp-forwarded.v1',
  type: 'nidus.push.amqp.forwarded.v1',
  schema: amqpForwardedSchema,
  description: "A routing rule's result for one of the project's AMQP queues (ADR 0011); keyed by device.",
});

const INSTANCE_SOURCE = /^nidus\/([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\/[A-Za-z0-9._-]+\.([0-9a-f]{8,32})$/;

/**
 * The downlink topic of one device gateway instance, named by its `source` (`nidus/<gateway>/<instance id>.<boot
 * id>`): `iot.downlink.<gateway>-<boot id>.v1`. Only that instance consumes it, so a request reaches the process that
 * holds the device's connection (ARCHITECTURE §4, downlink). Undefined for a source that is no gateway instance (the
 * registry's own offline reports).
 */
export function gatewayDownlinkTopic(source: string): TopicDefinition<DownlinkRequested> | undefined {
  const match = INSTANCE_SOURCE.exec(source);
  if (!match) return undefined;
  return defineTopic({
    name: `iot.downlink.${match[1]}-${match[2]}.v1`,
    type: 'nidus.gateway.downlink.requested.v1',
    schema: downlinkRequestedSchema,
    description: `Requests for the devices connected to gateway instance ${source}.`,
    lifetime: 'instance',
  });
}

/** A gateway instance's downlink topic as the contract docs and fixtures name it: one page for the whole family. */
export const gatewayDownlinkExampleV1 = gatewayDownlinkTopic('nidus/mqtt-gateway/host-1.0a1b2c3d')!;

/**
 * The topics whose data is an IoTDA push body (`resource`, `event`, `event_time`, `notify_data`; spec 03 §6.2–§6.4):
 * what routing rules forward (ADR 0011).
 */
export const pushTopics = [
  devicePropertyReportedV1,
  deviceMessageReportedV1,
  deviceStatusChangedV1,
  deviceLifecycleChangedV1,
  productLifecycleChangedV1,
  deviceMessageStatusChangedV1,
  deviceCommandStatusChangedV1,
] as const;

/** Every published topic. A topic here has a golden fixture in libs/contracts/fixtures and a page in docs/contracts. */
export const topicRegistry: readonly TopicDefinition[] = [
  devicePropertyReportedV1,
  deviceMessageReportedV1,
  deviceStatusChangedV1,
  deviceLifecycleChangedV1,
  productLifecycleChangedV1,
  deviceEventReportedV1,
  deviceInfoReportedV1,
  deviceLogReportedV1,
  deviceOtaReportedV1,
  deviceFileRequestedV1,
  gatewaySubDevicesRequestedV1,
  deviceDownlinkRespondedV1,
  deviceShadowRequestedV1,
  gatewayInstanceAliveV1,
  gatewayDownlinkExampleV1,
  deviceDownlinkDeliveredV1,
  deviceMessageStatusChangedV1,
  deviceCommandStatusChangedV1,
  pushAmqpForwardedV1,
];
