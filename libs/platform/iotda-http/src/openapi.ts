import { z } from 'zod';

/** One implemented v5 operation, described from the zod schemas that validate it (docs/api/v5-operations.md). */
export interface V5Operation {
  readonly method: 'get' | 'post' | 'put' | 'delete';
  /** After `/v5/iot/{project_id}`, with `{name}` path parameters. */
  readonly path: string;
  /** The SDK operation name, e.g. `add_device`. */
  readonly operationId: string;
  readonly summary: string;
  readonly status: 200 | 201 | 204;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly response?: z.ZodType;
}

type JsonObject = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonObject => {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return json;
};

const errorResponse = {
  description: 'IoTDA error body (spec 05 §1.6)',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error_code', 'error_msg'],
        properties: { error_code: { type: 'string' }, error_msg: { type: 'string' } },
      },
    },
  },
};

/** The OpenAPI 3.1 path items of some operations, under `/v5/iot/{project_id}`. */
export function openApiPaths(operations: readonly V5Operation[]): Record<string, JsonObject> {
  const paths: Record<string, JsonObject> = {};
  for (const op of operations) {
    const path = `/v5/iot/{project_id}${op.path}`;
    const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const queryJson = op.query ? schemaOf(op.query, 'input') : undefined;
    const queryProps = (queryJson?.['properties'] ?? {}) as Record<string, JsonObject>;
    const required = new Set((queryJson?.['required'] ?? []) as string[]);
    const queryParams = Object.entries(queryProps).map(([name, schema]) => ({
      name,
      in: 'query',
      required: required.has(name),
      schema,
    }));
    paths[path] = {
      ...paths[path],
      [op.method]: {
        operationId: op.operationId,
        summary: op.summary,
        parameters: [...pathParams, ...queryParams],
        ...(op.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: schemaOf(op.body, 'input') } },
              },
            }
          : {}),
        responses: {
          [op.status]: op.response
            ? {
                description: 'OK',
                content: { 'application/json': { schema: schemaOf(op.response, 'output') } },
              }
            : { description: 'No content' },
          '4XX': errorResponse,
          '5XX': errorResponse,
        },
      },
    };
  }
  return paths;
}
