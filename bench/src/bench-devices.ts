import { createHmac } from 'node:crypto';
import { meterServices } from './meter-product';
import type { DeviceLogin } from './mqtt-load';
import { type Target, call } from './nidus-target';

const secret = 'benchSecret0123456789';

/**
 * Registers `count` devices of a product with the model `services` (by default one that accepts the meter report);
 * returns their IoTDA MQTT logins.
 */
export async function register(
  t: Target,
  count: number,
  from = 0,
  services: readonly object[] = meterServices,
): Promise<DeviceLogin[]> {
  const product = await call(t, 'POST', '/products', {
    name: `Bench${Date.now()}${from}`,
    device_type: 'Meter',
    protocol_type: 'MQTT',
    data_format: 'json',
    service_capabilities: services,
  });
  if (product.status !== 201) throw new Error(`product: ${product.status} ${product.body}`);
  const productId = (JSON.parse(product.body) as { product_id: string }).product_id;
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < count) {
        const i = next++;
        const res = await call(t, 'POST', '/devices', {
          node_id: `m${from + i}`,
          product_id: productId,
          auth_info: { secret },
        });
        if (res.status !== 201) throw new Error(`add_device: ${res.status} ${res.body}`);
        ids.push((JSON.parse(res.body) as { device_id: string }).device_id);
      }
    }),
  );
  const ts = new Date().toISOString().replace(/[-T:]/g, '').slice(0, 10);
  const password = createHmac('sha256', ts).update(secret).digest('hex');
  return ids.map((id) => ({
    clientId: `${id}_0_0_${ts}`,
    username: id,
    password,
    topic: `$oc/devices/${id}/sys/properties/report`,
  }));
}
