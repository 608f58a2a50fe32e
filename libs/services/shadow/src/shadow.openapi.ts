import type { V5Operation } from '@nidus/platform-iotda-http';
import { deviceShadowSchema, updateDesiredsSchema } from './shadows/shadow.dto';
import {
  commandRequestSchema,
  commandResponseSchema,
  propertiesQuerySchema,
  propertiesResponseSchema,
  propertiesSetSchema,
} from './sync-calls/sync-calls.dto';

/** The v5 operations the shadow service serves (spec 05 §3.4–§3.6); the api merges them into its OpenAPI document. */
export const shadowOperations: readonly V5Operation[] = [
  {
    method: 'get',
    path: '/devices/{device_id}/shadow',
    operationId: 'show_device_shadow',
    summary: "Show a device's shadow: desired and reported values per service",
    status: 200,
    response: deviceShadowSchema,
  },
  {
    method: 'put',
    path: '/devices/{device_id}/shadow',
    operationId: 'update_device_shadow_desired_data',
    summary: 'Set desired values; the device gets what it reports differently when it is online',
    status: 200,
    body: updateDesiredsSchema,
    response: deviceShadowSchema,
  },
  {
    method: 'delete',
    path: '/devices/{device_id}/shadow',
    operationId: 'delete_device_shadow',
    summary: "Delete a device's shadow data (desired and reported, every service)",
    status: 204,
  },
  {
    method: 'post',
    path: '/devices/{device_id}/commands',
    operationId: 'create_command',
    summary:
      'Send a command to an online device and wait for its answer (408 when it does not answer in time)',
    status: 200,
    body: commandRequestSchema,
    response: commandResponseSchema,
  },
  {
    method: 'put',
    path: '/devices/{device_id}/properties',
    operationId: 'update_properties',
    summary: 'Set properties of an online device and wait for its answer',
    status: 200,
    body: propertiesSetSchema,
    response: propertiesResponseSchema,
  },
  {
    method: 'get',
    path: '/devices/{device_id}/properties',
    operationId: 'list_properties',
    summary: "Ask an online device for a service's properties and wait for its answer",
    status: 200,
    query: propertiesQuerySchema,
    response: propertiesResponseSchema,
  },
];
