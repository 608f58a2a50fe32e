import { Inject, Injectable } from '@nestjs/common';
import type { DeviceAccess, InitialShadow, ProductAccess } from '@nidus/contracts';
import { ProductService } from '../products/product.service';
import { REGISTRY_STORE, type RegistryStore, findDevices } from '../registry.store';
import type { StoredDevice } from '../devices/device.schema';

/** Devices and products as the gateways need them (secrets stay sealed). */
@Injectable()
export class DeviceAccessService {
  constructor(
    @Inject(REGISTRY_STORE) private readonly store: RegistryStore,
    private readonly products: ProductService,
  ) {}

  /** The known ones among `deviceIds`, in any order; unknown ids are left out. */
  async devices(deviceIds: readonly string[]): Promise<DeviceAccess[]> {
    // One query for the locations and one per project: with a gateway asking for hundreds of ids at once, a key
    // read each did not answer within the gateway's timeout on FerretDB (bench:mqtt).
    const found = await findDevices(this.store, deviceIds); // getMany reads a repeated id once
    return found.map(({ project, device }) => toDeviceAccess(project, device.data));
  }

  async initialShadow(deviceId: string): Promise<InitialShadow | undefined> {
    const [found] = await findDevices(this.store, [deviceId]);
    if (!found) return undefined;
    const { project, device } = found;
    return {
      device: toDeviceAccess(project, device.data),
      services: [...(device.data.initial_desired ?? [])],
    };
  }

  async product(project: string, appId: string, productId: string): Promise<ProductAccess> {
    const { data } = await this.products.find(project, productId, appId);
    return {
      project_id: project,
      product_id: data.product_id,
      app_id: data.app_id,
      protocol_type: data.protocol_type,
      data_format: data.data_format,
      service_capabilities: data.service_capabilities,
    };
  }
}

export function toDeviceAccess(project: string, d: StoredDevice): DeviceAccess {
  const { auth } = d;
  return {
    device_id: d.device_id,
    project_id: project,
    app_id: d.app_id,
    product_id: d.product_id,
    node_id: d.node_id,
    gateway_id: d.parent_id ?? d.device_id,
    direct: d.parent_id === null,
    frozen: d.frozen,
    auth_type: auth.auth_type,
    secure_access: auth.secure_access,
    ...(auth.secret ? { secret: auth.secret } : {}),
    ...(auth.secondary_secret ? { secondary_secret: auth.secondary_secret } : {}),
    ...(auth.fingerprint ? { fingerprint: auth.fingerprint } : {}),
    ...(auth.secondary_fingerprint ? { secondary_fingerprint: auth.secondary_fingerprint } : {}),
  };
}
