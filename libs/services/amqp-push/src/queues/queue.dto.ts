import { z } from 'zod';
import { amqpQueueNameSchema } from '@nidus/contracts';

/** `QueueInfo` (spec 05 §3.11.1). */
export const addQueueSchema = z.object({ queue_name: amqpQueueNameSchema });
export type AddQueue = z.infer<typeof addQueueSchema>;

/** `QueryQueueBase` (spec 05 §3.11.1 response, §3.11.2 items). */
export const queueSchema = z.object({
  queue_id: z.string(),
  queue_name: z.string(),
  create_time: z.string(),
  last_modify_time: z.string(),
});
export type QueueView = z.infer<typeof queueSchema>;

/** `BatchShowQueueRequest` filters (spec 05 §3.11.2); paging is read separately. */
export const listQueuesQuerySchema = z.looseObject({ queue_name: z.string().max(128).optional() });
export type ListQueuesQuery = z.infer<typeof listQueuesQuerySchema>;

export const listQueuesResponseSchema = z.object({
  queues: z.array(queueSchema),
  page: z.object({ count: z.number().int(), marker: z.string().nullable() }),
});
