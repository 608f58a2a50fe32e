import { type V5Operation, markerPagingQuerySchema } from '@nidus/platform-iotda-http';
import { z } from 'zod';
import {
  asyncCommandSchema,
  commandFiltersSchema,
  createAsyncCommandSchema,
} from './async-commands/async-command.dto';
import {
  createMessageResponseSchema,
  createMessageSchema,
  deviceMessageSchema,
  listMessagesResponseSchema,
} from './messages/message.dto';
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
  {
    method: 'post',
    path: '/devices/{device_id}/messages',
    operationId: 'create_message',
    summary: 'Send a message to a device: at once when it is online, cached until its ttl when it is not',
    status: 201,
    body: createMessageSchema,
    response: createMessageResponseSchema,
  },
  {
    method: 'get',
    path: '/devices/{device_id}/messages',
    operationId: 'list_device_messages',
    summary: "List a device's newest 20 messages with their status",
    status: 200,
    response: listMessagesResponseSchema,
  },
  {
    method: 'get',
    path: '/devices/{device_id}/messages/{message_id}',
    operationId: 'show_device_message',
    summary: 'Show a message to a device and its status',
    status: 200,
    response: deviceMessageSchema,
  },
  {
    method: 'delete',
    path: '/devices/{device_id}/messages/{message_id}',
    operationId: 'delete_device_message',
    summary: 'Delete a message to a device (a cached one is then not sent)',
    status: 204,
  },
  {
    method: 'post',
    path: '/devices/{device_id}/async-commands',
    operationId: 'create_async_command',
    summary: 'Send a command now (immediately) or when the device is next online (delay); its status follows',
    status: 200,
    body: createAsyncCommandSchema,
    response: asyncCommandSchema,
  },
  {
    method: 'get',
    path: '/devices/{device_id}/async-commands/{command_id}',
    operationId: 'show_async_device_command',
    summary: 'Show an asynchronous command, its status, times and result',
    status: 200,
    response: asyncCommandSchema,
  },
  {
    method: 'get',
    path: '/devices/{device_id}/async-commands',
    operationId: 'list_async_commands',
    summary: "List a device's queued commands (PENDING, SENT, DELIVERED), newest first",
    status: 200,
    query: commandFiltersSchema.extend(markerPagingQuerySchema.shape),
    response: z.object({
      commands: z.array(asyncCommandSchema.omit({ paras: true, result: true })),
      page: z.object({ count: z.number().int(), marker: z.string().nullable() }),
    }),
  },
  {
    method: 'get',
    path: '/devices/{device_id}/async-commands-history',
    operationId: 'list_async_history_commands',
    summary: "List a device's asynchronous commands of any status, newest first",
    status: 200,
    query: commandFiltersSchema.extend(markerPagingQuerySchema.shape),
    response: z.object({
      commands: z.array(asyncCommandSchema.omit({ paras: true, result: true })),
      page: z.object({ marker: z.string().nullable() }),
    }),
  },
  {
    method: 'post',
    path: '/devices/{device_id}/async-commands-history/count',
    operationId: 'count_async_history_commands',
    summary: "Count a device's asynchronous commands matching the filters",
    status: 200,
    query: commandFiltersSchema,
    response: z.object({ count: z.number().int() }),
  },
];
