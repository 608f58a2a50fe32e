/** The services of ARCHITECTURE §3. A process runs the subset it was built with and NIDUS_SERVICES selects. */
export const serviceNames = [
  'api',
  'device-registry',
  'mqtt-gateway',
  'coap-gateway',
  'http-gateway',
  'shadow',
  'ota',
  'rule-engine',
  'amqp-push',
  'provisioning',
] as const;

export type ServiceName = (typeof serviceNames)[number];
