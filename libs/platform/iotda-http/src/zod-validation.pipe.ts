import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { IotdaApiError } from './iotda-api.error';

/**
 * Validates a request body or query against a zod schema (STYLE rule 5). Unknown fields are dropped, as IoTDA
 * ignores them (spec 05 §1.4); the first failing field is named in the 400 IOTDA.000006 answer.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    const issue = result.error.issues[0]!;
    const field = issue.path.length ? issue.path.map(String).join('.') : 'body';
    throw new IotdaApiError('INVALID_PARAMETER', `${field}: ${issue.message}`);
  }
}
