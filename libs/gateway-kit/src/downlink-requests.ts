import type { DownlinkKind, DownlinkRequested } from '@nidus/contracts';
import { downlinkTopics } from '@nidus/protocol-iotda-mqtt';
import type { Downlink } from './uplink-event';

const topicOf: Record<DownlinkKind, (deviceId: string, requestId: string) => string> = {
  command: downlinkTopics.command,
  'properties-set': downlinkTopics.propertiesSet,
  'properties-get': downlinkTopics.propertiesGet,
  'shadow-get-response': downlinkTopics.shadowResponse,
};

/** The message a downlink for a device becomes: its body on the kind's `request_id` topic (spec 01 §4.7.3–§4.9). */
export function requestDownlink(request: DownlinkRequested): Downlink {
  return {
    topic: topicOf[request.kind](request.device_id, request.request_id),
    payload: Buffer.from(JSON.stringify(request.body)),
  };
}
