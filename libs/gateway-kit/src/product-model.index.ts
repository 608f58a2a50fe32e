import {
  type ServiceCapability,
  type ValueDefinition,
  checkValue,
  productModelSchema,
} from '@nidus/domain-product-model';
import type { ProductAccess } from '@nidus/contracts';

/** A product model indexed for checking what devices report (spec 02 §2.2). */
export interface ModelIndex {
  readonly services: ReadonlyMap<string, ServiceIndex>;
}

/** A property's value definition and its access methods (`R`, `W`, `E`, spec 02 §2.2.2). */
export interface PropertyDefinition extends ValueDefinition {
  readonly method: string;
  /** Written into the desired section of every new device's shadow (spec 02 §3). */
  readonly default_value?: unknown;
}

/** A command or event parameter: its value definition and whether it must be given. */
export interface ParaDefinition extends ValueDefinition {
  readonly required: boolean;
}

export interface ServiceIndex {
  readonly properties: ReadonlyMap<string, PropertyDefinition>;
  /** event_type → its parameters. */
  readonly events: ReadonlyMap<string, ReadonlyMap<string, ValueDefinition>>;
  /** command_name → its parameters. */
  readonly commands: ReadonlyMap<string, ReadonlyMap<string, ParaDefinition>>;
}

const indexes = new WeakMap<ProductAccess, ModelIndex>();

/** The index of a product's model, built once per cached product. */
export function modelIndexOf(product: ProductAccess): ModelIndex {
  let index = indexes.get(product);
  if (!index) {
    const parsed = productModelSchema.safeParse(product.service_capabilities);
    index = {
      services: new Map((parsed.success ? parsed.data : []).map((s) => [s.service_id, indexService(s)])),
    };
    indexes.set(product, index);
  }
  return index;
}

function indexService(service: ServiceCapability): ServiceIndex {
  return {
    properties: new Map((service.properties ?? []).map((p) => [p.property_name, p])),
    events: new Map(
      (service.events ?? []).map((e) => [
        e.event_type,
        new Map((e.paras ?? []).map((p) => [p.para_name, p])),
      ]),
    ),
    commands: new Map(
      (service.commands ?? []).map((c) => [
        c.command_name,
        new Map((c.paras ?? []).map((p) => [p.para_name, p])),
      ]),
    ),
  };
}

export type FieldsCheck = { ok: true; values: Record<string, unknown> } | { ok: false; reason: string };

/**
 * Checks reported fields against their definitions: every field must be defined and valid (numeric text becomes a
 * number, spec 02 §2.2.2). A failure names the first bad field.
 */
export function checkFields(
  definitions: ReadonlyMap<string, ValueDefinition>,
  fields: Readonly<Record<string, unknown>>,
): FieldsCheck {
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    const definition = definitions.get(name);
    if (!definition) return { ok: false, reason: `${name} is not defined in the product model` };
    const check = checkValue(definition, value);
    if (!check.ok) return { ok: false, reason: `${name}: ${check.reason}` };
    values[name] = check.value;
  }
  return { ok: true, values };
}
