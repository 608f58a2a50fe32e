// The device the MQTT and uplink benchmarks simulate: a meter whose product model accepts its ~200-byte report.

export const meterServices = [
  {
    service_id: 'Meter',
    service_type: 'Meter',
    properties: [
      { property_name: 'value', data_type: 'int', min: '0', max: '1000', method: 'RE' },
      { property_name: 'voltage', data_type: 'decimal', min: '0', max: '1000', method: 'RE' },
      { property_name: 'note', data_type: 'string', max_length: 200, method: 'RE' },
    ],
  },
];

/** A ~200-byte QoS 1 property report (spec 01 §4.7.1) that `meterServices` accepts. */
export const meterReport = JSON.stringify({
  services: [
    {
      service_id: 'Meter',
      properties: { value: 42, voltage: 229.5, note: 'n'.repeat(120) },
      event_time: '20261126T120000Z',
    },
  ],
});
