import { z } from 'zod';
import { type ProductObject, productObjectSchema } from '@nidus/contracts';
import { productModelSchema } from '@nidus/domain-product-model';
import { descriptionText, identifier, nameText } from '@nidus/platform-iotda-http';
import { protocolTypes } from './product.schema';

const productFields = {
  name: nameText(64).min(1),
  device_type: nameText(32).min(1),
  protocol_type: z.enum(protocolTypes),
  data_format: z.enum(['json', 'binary']),
  service_capabilities: productModelSchema,
  manufacturer_name: nameText(32),
  industry: nameText(64),
  description: descriptionText(128),
  app_id: identifier(36),
};

/** `AddProduct` (spec 05 §3.2.1). */
export const addProductSchema = z.object({
  product_id: identifier(36).optional(),
  name: productFields.name,
  device_type: productFields.device_type,
  protocol_type: productFields.protocol_type,
  data_format: productFields.data_format.default('json'),
  service_capabilities: productFields.service_capabilities,
  manufacturer_name: productFields.manufacturer_name.optional(),
  industry: productFields.industry.optional(),
  description: productFields.description.optional(),
  app_id: productFields.app_id.optional(),
});
export type AddProduct = z.infer<typeof addProductSchema>;

/** `UpdateProduct` (spec 05 §3.2.4): every field optional; a model, when given, replaces the whole model. */
export const updateProductSchema = z.object({
  app_id: productFields.app_id.optional(),
  name: productFields.name.optional(),
  device_type: productFields.device_type.optional(),
  protocol_type: productFields.protocol_type.optional(),
  data_format: productFields.data_format.optional(),
  service_capabilities: productFields.service_capabilities.optional(),
  manufacturer_name: productFields.manufacturer_name.optional(),
  industry: productFields.industry.optional(),
  description: productFields.description.optional(),
});
export type UpdateProduct = z.infer<typeof updateProductSchema>;

/** `ListProductsRequest` filters (spec 05 §3.2.2); paging is read separately. */
export const listProductsQuerySchema = z.object({
  app_id: identifier(36).optional(),
  product_name: nameText(64).optional(),
});
export type ListProductsQuery = z.infer<typeof listProductsQuerySchema>;

/** `app_id` of show and delete (spec 05 §3.2.3, §3.2.5). */
export const productAppQuerySchema = z.object({ app_id: identifier(36).optional() });

/** `CreateProductResponse` / `ShowProductResponse` (spec 05 §3.2.1): the `product` push body's object. */
export const productSchema = productObjectSchema;
export type ProductDto = ProductObject;

/** `ProductSummary` (spec 05 Appendix A): the product without its model. */
export const productSummarySchema = productObjectSchema.omit({ service_capabilities: true });
export type ProductSummaryDto = z.infer<typeof productSummarySchema>;
