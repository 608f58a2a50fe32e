import {
  type DeviceAccess,
  type ProductAccess,
  deviceAccessAnswerSchema,
  maxDeviceAccessLookup,
  productAccessSchema,
} from '@nidus/contracts';
import type { InternalClient } from '@nidus/platform-iotda-http';
import { TtlCache } from '@nidus/ports';

export interface DeviceDirectoryOptions {
  /** How long a device or product stays cached without an invalidation, in ms. */
  readonly ttlMs?: number;
  /**
   * Least time between two lookups, in ms: the ids asked for meanwhile go together. The first lookup after a quiet
   * spell goes at once.
   */
  readonly batchWindowMs?: number;
  readonly maxDevices?: number;
}

interface Waiter {
  resolve(value: DeviceAccess | undefined): void;
  reject(error: unknown): void;
}

/**
 * Devices and products as the registry knows them, for the device gateways: cached, invalidated by registry events
 * (`forgetDevice`, `forgetProduct`) and by age, and looked up in batches — a gateway admitting thousands of devices a
 * second sends the registry a few lookups of many ids instead of one request per device.
 */
export class DeviceDirectory {
  private readonly devices: TtlCache<DeviceAccess>;
  private readonly products: TtlCache<ProductAccess>;
  private readonly batchWindowMs: number;
  private pending = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;
  private lastLookup = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly client: InternalClient,
    now: () => number,
    options: DeviceDirectoryOptions = {},
  ) {
    const ttlMs = options.ttlMs ?? 60_000;
    this.devices = new TtlCache(now, ttlMs, options.maxDevices ?? 200_000);
    this.products = new TtlCache(now, ttlMs, 10_000);
    this.batchWindowMs = options.batchWindowMs ?? 20;
  }

  /** The device, or undefined when the registry does not know it. Rejects when the registry cannot be asked. */
  device(deviceId: string): Promise<DeviceAccess | undefined> {
    return this.devices.get(deviceId, () => this.enqueue(deviceId));
  }

  product(access: DeviceAccess): Promise<ProductAccess | undefined> {
    const { project_id: project, app_id: app, product_id: product } = access;
    return this.products.get(`${project}/${app}/${product}`, () =>
      this.client.get(
        'device-registry',
        `/internal/device-access/products/${encodeURIComponent(project)}/${encodeURIComponent(app)}/${encodeURIComponent(product)}`,
        productAccessSchema,
      ),
    );
  }

  forgetDevice(deviceId: string): void {
    this.devices.forget(deviceId);
  }

  forgetProduct(project: string, appId: string, productId: string): void {
    this.products.forget(`${project}/${appId}/${productId}`);
  }

  private enqueue(deviceId: string): Promise<DeviceAccess | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(deviceId);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(deviceId, [{ resolve, reject }]);
      if (this.pending.size >= maxDeviceAccessLookup) this.flush();
      else {
        // The CONNECTs of this turn of the event loop go together; under load, one lookup per window.
        const wait = Math.max(0, this.lastLookup + this.batchWindowMs - performance.now());
        this.timer ??= setTimeout(() => this.flush(), wait);
      }
    });
  }

  /**
   * Sends what is pending as one lookup. A login storm thus costs a few lookups of many ids: one HTTP request per
   * CONNECT capped an embedded gateway near 300 logins/s (bench:mqtt); one per 20 ms gave 600–800/s.
   */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    if (batch.size === 0) return;
    this.lastLookup = performance.now();
    this.client
      .post(
        'device-registry',
        '/internal/device-access/lookup',
        { device_ids: [...batch.keys()] },
        deviceAccessAnswerSchema,
      )
      .then(
        (answer) => {
          const found = new Map((answer?.devices ?? []).map((d) => [d.device_id, d]));
          for (const [id, waiters] of batch) for (const w of waiters) w.resolve(found.get(id));
        },
        (error: unknown) => {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
        },
      );
  }
}
