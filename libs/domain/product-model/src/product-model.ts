import { z } from 'zod';

// The product model ("profile") of spec 02 §2.2: services, each with properties, commands and events. Field names
// are the v5 wire names, so the model travels unchanged between the API, the store and the bus.

export const dataTypes = [
  'int',
  'long',
  'decimal',
  'string',
  'DateTime',
  'jsonObject',
  'enum',
  'boolean',
  'string list',
] as const;
export type DataType = (typeof dataTypes)[number];

const numericText = z
  .string()
  .min(1)
  .max(16)
  .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'must be a number written as text');

const description = z.string().max(128).optional();

/** What parameters, command fields and properties share: a typed value with its limits (spec 02 §2.2.2). */
const typedValue = {
  data_type: z.enum(dataTypes),
  required: z.boolean().default(false),
  enum_list: z.array(z.string().max(128)).max(500).optional(),
  min: numericText.optional(),
  max: numericText.optional(),
  max_length: z.number().int().min(0).max(2_097_152).optional(),
  step: z.number().positive().optional(),
  unit: z.string().max(16).optional(),
  description,
};

type TypedValue = {
  data_type: DataType;
  enum_list?: string[] | undefined;
  min?: string | undefined;
  max?: string | undefined;
};

/** Cross-field rules of a typed value: enum needs its list, min ≤ max. */
function checkTypedValue(v: TypedValue, ctx: z.RefinementCtx): void {
  if (v.data_type === 'enum' && (v.enum_list === undefined || v.enum_list.length === 0)) {
    ctx.addIssue({ code: 'custom', path: ['enum_list'], message: 'required when data_type is enum' });
  }
  if (v.min !== undefined && v.max !== undefined && Number(v.min) > Number(v.max)) {
    ctx.addIssue({ code: 'custom', path: ['min'], message: 'must not exceed max' });
  }
}

export const commandParaSchema = z
  .object({ para_name: z.string().min(1).max(32), ...typedValue })
  .superRefine(checkTypedValue);

export const servicePropertySchema = z
  .object({
    // It becomes a shadow key (spec 02 §2.2.2): no '.', '$' or NUL.
    property_name: z
      .string()
      .min(1)
      .max(64)
      .refine(
        (name) => !/[.$]/.test(name) && !name.includes(String.fromCharCode(0)),
        "must not contain '.', '$' or NUL",
      ),
    ...typedValue,
    method: z.enum(['RWE', 'RW', 'RE', 'WE', 'E', 'W', 'R']),
    default_value: z.unknown().optional(),
  })
  .superRefine(checkTypedValue);

export const serviceCommandSchema = z.object({
  command_name: z.string().min(1).max(64),
  paras: z.array(commandParaSchema).max(500).optional(),
  responses: z
    .array(
      z.object({
        response_name: z.string().min(1).max(128),
        paras: z.array(commandParaSchema).max(500).optional(),
      }),
    )
    .max(500)
    .optional(),
});

export const serviceEventSchema = z.object({
  event_type: z.string().min(1).max(32),
  paras: z.array(commandParaSchema).max(500).optional(),
});

/** Names must be unique within their list (spec 02 §2.2.1–§2.2.3). */
function unique<T>(key: (item: T) => string, what: string) {
  return (items: T[] | undefined, ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    (items ?? []).forEach((item, i) => {
      const name = key(item);
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${what} ${name}` });
      seen.add(name);
    });
  };
}

export const serviceCapabilitySchema = z.object({
  service_id: z.string().min(1).max(64),
  service_type: z.string().min(1).max(64),
  properties: z
    .array(servicePropertySchema)
    .max(500)
    .superRefine(unique((p) => p.property_name, 'property_name'))
    .optional(),
  commands: z
    .array(serviceCommandSchema)
    .max(500)
    .superRefine(unique((c) => c.command_name, 'command_name'))
    .optional(),
  events: z
    .array(serviceEventSchema)
    .max(500)
    .superRefine(unique((e) => e.event_type, 'event_type'))
    .optional(),
  description,
  option: z.enum(['Master', 'Mandatory', 'Optional']).default('Optional'),
});

const maxModelBytes = 500 * 1024; // spec 02 §2.1: total ≤ 500 KB

/** A product's `service_capabilities`: ≤ 500 services with unique ids, ≤ 500 KB in all. */
export const productModelSchema = z
  .array(serviceCapabilitySchema)
  .max(500)
  .superRefine(unique((s) => s.service_id, 'service_id'))
  .superRefine((model, ctx) => {
    if (Buffer.byteLength(JSON.stringify(model)) > maxModelBytes) {
      ctx.addIssue({ code: 'custom', message: `the product model exceeds ${maxModelBytes / 1024} KB` });
    }
  });

export type ServiceProperty = z.infer<typeof servicePropertySchema>;
export type CommandPara = z.infer<typeof commandParaSchema>;
export type ServiceCapability = z.infer<typeof serviceCapabilitySchema>;
export type ProductModel = z.infer<typeof productModelSchema>;
