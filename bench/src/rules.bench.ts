import { compileRuleSql } from '@nidus/protocol-rule-sql';

// Rule SQL evaluation per core (issue 6: ≥ 200 000 events/s for a typical SELECT/WHERE): compiled rules run against
// property-report push envelopes (spec 03 §6.4.5), one core, CPU time from process.cpuUsage. Each rule is timed for
// `total` events; the envelopes vary so that about half match.
// Usage: npm run bench:rules [-- total=1000000]

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=') as [string, string]));
const total = Number(args['total'] ?? 1_000_000);

const envelopes = Array.from({ length: 1_000 }, (_, i) => ({
  resource: 'device.property',
  event: 'report',
  event_time: '20261127T080000Z',
  notify_data: {
    header: {
      app_id: 'app',
      device_id: `meter_m${i}`,
      node_id: `m${i}`,
      product_id: 'meter',
      gateway_id: `meter_m${i}`,
      tags: [{ tag_key: 'site', tag_value: i % 2 ? 'north' : 'south' }],
    },
    body: {
      services: [
        {
          service_id: 'Meter',
          properties: { temperature: 20 + (i % 40), humidity: 50, state: i % 3 ? 'ok' : 'alarm' },
          event_time: '20261127T080000Z',
        },
      ],
    },
  },
}));

const rules = [
  {
    name: 'paths',
    select:
      "notify_data.header.device_id AS device_id, notify_data.body.services AS services, 'meter' AS kind",
    where: "notify_data.header.product_id = 'meter' AND notify_data.header.gateway_id IS NOT NULL",
  },
  {
    name: 'functions',
    select: "notify_data.header.device_id AS device_id, GET_SERVICE_PROPERTIES('Meter') AS meter",
    where: "GET_SERVICE_PROPERTIES('Meter').temperature > 39 OR GET_TAG('site') = 'north'",
  },
  { name: 'whole event', select: '*', where: "notify_data.header.product_id = 'meter'" },
];

console.log(`bench:rules — ${total} events per rule, one core`);
for (const rule of rules) {
  const compiled = compileRuleSql(rule);
  let matched = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const event = envelopes[i % envelopes.length];
      if (compiled.matches(event)) {
        compiled.project(event);
        matched++;
      }
    }
  };
  run(100_000); // warm up the JIT
  matched = 0;
  const cpu = process.cpuUsage();
  run(total);
  const { user, system } = process.cpuUsage(cpu);
  const seconds = (user + system) / 1e6;
  console.log(
    `  ${rule.name.padEnd(12)} ${Math.round(total / seconds).toLocaleString('en')} events/s per core ` +
      `(${((seconds * 1e9) / total).toFixed(0)} ns each, ${Math.round((100 * matched) / total)} % matched)`,
  );
}
