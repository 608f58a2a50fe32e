import { NidusProcess, embeddedEnv } from '../support/nidus-process';
import { V5Project, connectDevice } from './device-clients';

// The embedded shape killed with SIGKILL while a device is connected: nothing reported the device offline. Started
// again on the same data directory, the platform's gateway is another instance (a new boot id), and the registry takes
// the killed one as gone once it is three heartbeats behind the new one: the device shows OFFLINE, not ONLINE forever.

const secret = 'e2eSecret0123456789';

it('reports a device offline after the process that held it was killed and started again', async () => {
  const { env, dataDir, api, mqtt } = await embeddedEnv({ NIDUS_GATEWAY_HEARTBEAT_MS: '1000' });
  const first = NidusProcess.start('platform', env);
  await first.up();
  const v5 = V5Project.fromDataDir(api, dataDir);
  const id = await v5.addDevice(await v5.addProduct(), 'killed-with-it', secret);
  const device = await connectDevice(mqtt, id, secret);
  try {
    await v5.eventually(id, (d) => d.status === 'ONLINE');
    first.child.kill('SIGKILL');
    await first.exited;
  } finally {
    device.end(true);
  }

  const second = NidusProcess.start('platform', env);
  try {
    await second.up(); // the registry's first sweep comes three heartbeats after it started
    await v5.eventually(id, (d) => d.status === 'OFFLINE');
  } finally {
    expect(await second.stop()).toBe(0);
  }
}, 120_000);
