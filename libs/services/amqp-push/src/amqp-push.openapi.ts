import { type V5Operation, markerPagingQuerySchema } from '@nidus/platform-iotda-http';
import { accessCodeSchema, createAccessCodeSchema } from './access-codes/access-code.dto';
import {
  addQueueSchema,
  listQueuesQuerySchema,
  listQueuesResponseSchema,
  queueSchema,
} from './queues/queue.dto';

/** The v5 operations amqp-push serves (spec 05 §3.11); the api merges them into its OpenAPI document. */
export const amqpPushOperations: readonly V5Operation[] = [
  {
    method: 'post',
    path: '/amqp-queues',
    operationId: 'add_queue',
    summary: 'Create an AMQP queue (at most 100 a project; every project also has DefaultQueue)',
    status: 201,
    body: addQueueSchema,
    response: queueSchema,
  },
  {
    method: 'get',
    path: '/amqp-queues',
    operationId: 'batch_show_queue',
    summary: 'List AMQP queues, newest first, with marker paging',
    status: 200,
    query: listQueuesQuerySchema.extend(markerPagingQuerySchema.shape),
    response: listQueuesResponseSchema,
  },
  {
    method: 'get',
    path: '/amqp-queues/{queue_id}',
    operationId: 'show_queue',
    summary: 'Show an AMQP queue',
    status: 200,
    response: queueSchema,
  },
  {
    method: 'delete',
    path: '/amqp-queues/{queue_id}',
    operationId: 'delete_queue',
    summary: 'Delete an AMQP queue no rule action forwards to, with its messages',
    status: 204,
  },
  {
    method: 'post',
    path: '/auth/accesscode',
    operationId: 'create_access_code',
    summary: 'Generate the AMQP access key and code (shown once; the previous ones stop working)',
    status: 201,
    body: createAccessCodeSchema,
    response: accessCodeSchema,
  },
];
