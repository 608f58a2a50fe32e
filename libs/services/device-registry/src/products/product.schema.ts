import type { ProductModel } from '@nidus/domain-product-model';

export const protocolTypes = [
  'MQTT',
  'CoAP',
  'HTTP',
  'HTTPS',
  'Modbus',
  'ONVIF',
  'OPC-UA',
  'OPC-DA',
  'Other',
  'TCP',
  'UDP',
] as const;
export type ProtocolType = (typeof protocolTypes)[number];

/** A product as stored (`registry_products`, keyed by record id, tenant = project). */
export interface StoredProduct {
  readonly product_id: string;
  readonly app_id: string;
  readonly name: string;
  readonly device_type: string;
  readonly protocol_type: ProtocolType;
  readonly data_format: 'json' | 'binary';
  readonly manufacturer_name?: string;
  readonly industry?: string;
  readonly description?: string;
  readonly service_capabilities: ProductModel;
  /** ms since epoch. */
  readonly created_at: number;
}
