import { type ProductLifecyclePush, formatCompactUtc } from '@nidus/contracts';
import type { ProductDto, ProductSummaryDto } from './product.dto';
import type { StoredProduct } from './product.schema';

export function toProductSummary(p: StoredProduct, appName: string): ProductSummaryDto {
  return {
    app_id: p.app_id,
    app_name: appName,
    product_id: p.product_id,
    name: p.name,
    device_type: p.device_type,
    protocol_type: p.protocol_type,
    data_format: p.data_format,
    manufacturer_name: p.manufacturer_name ?? null,
    industry: p.industry ?? null,
    description: p.description ?? null,
    create_time: formatCompactUtc(p.created_at),
  };
}

export function toProductDto(p: StoredProduct, appName: string): ProductDto {
  const { create_time, ...summary } = toProductSummary(p, appName);
  return { ...summary, service_capabilities: p.service_capabilities, create_time };
}

/** The `product` push body (spec 03 §6.4.8), the data of iot.product.lifecycle-changed.v1. */
export function toProductPush(
  event: ProductLifecyclePush['event'],
  p: StoredProduct,
  appName: string,
  now: number,
): ProductLifecyclePush {
  return {
    resource: 'product',
    event,
    event_time: formatCompactUtc(now),
    notify_data: { body: toProductDto(p, appName) },
  };
}
