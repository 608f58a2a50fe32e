export {
  type CommandPara,
  type DataType,
  type ProductModel,
  type ServiceCapability,
  type ServiceProperty,
  commandParaSchema,
  dataTypes,
  productModelSchema,
  serviceCapabilitySchema,
  servicePropertySchema,
} from './product-model';
export { type ValueCheck, type ValueDefinition, checkValue } from './property-value';
