import type { DownlinkKind, DownlinkRequested } from '@nidus/contracts';
import { downlinkTopics } from '@nidus/protocol-iotda-mqtt';
import type { Downlink } from './uplink-event';

const topicOf: Record<DownlinkKind, (deviceId: string, requestId: string) => string> = {
  command: downlinkTopics.command,
  'properties-set': downlinkTopics.propertiesSet,
  'properties-get': downlinkTopics.propertiesGet,
  'shadow-get-response': downlinkTopics.shadowResponse,
  message: (deviceId) => downlinkTopics.messages(deviceId),
};

/**
 * The MQTT message a downlink becomes: its body (or exact bytes) on the kind's `request_id` topic, or on the topic it
 * names (spec 01 §4.7.3–§4.9).
 */
export function requestDownlink(request: DownlinkRequested): Downlink {
  return {
    topic: request.topic ?? topicOf[request.kind](request.device_id, request.request_id),
    payload:
      request.payload_base64 === undefined
        ? Buffer.from(JSON.stringify(request.body))
        : Buffer.from(request.payload_base64, 'base64'),
  };
}
