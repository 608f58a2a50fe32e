import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type AmqpQueueAccess,
  amqpQueueUseSchema,
  deploymentTenant,
  formatCompactUtc,
} from '@nidus/contracts';
import { DuplicateKeyError, type Filter, type StoredDocument, findOne } from '@nidus/persistence-core';
import { IotdaApiError, type MarkerPaging, findMarkerPage, unavailable } from '@nidus/platform-iotda-http';
import { AMQP_PARTS, type AmqpParts } from '../amqp-push.parts';
import type { ListQueuesQuery, QueueView } from './queue.dto';
import type { StoredQueue } from './queue.schema';

/** The queue every project has from the start (spec 03 §6.6 [IMPL], the SDK samples' `DefaultQueue`). */
export const defaultQueueName = 'DefaultQueue';
/** Queues per project (spec 03 §6.7.3). */
export const maxQueues = 100;

/**
 * AMQP queues (spec 03 §6.6, spec 05 §3.11.1–§3.11.4): where `AMQP_FORWARDING` actions put a rule's results until an
 * application's receiver link takes them.
 */
@Injectable()
export class QueuesService {
  constructor(@Inject(AMQP_PARTS) private readonly parts: AmqpParts) {}

  async create(project: string, name: string): Promise<QueueView> {
    await this.ensureDefault(project);
    if ((await this.parts.queues.count(project, {})) >= maxQueues)
      throw new IotdaApiError('AMQP_QUEUE_QUOTA_EXCEEDED', `at most ${maxQueues} queues a project.`);
    try {
      return viewOf(await this.insert(project, name));
    } catch (error) {
      if (error instanceof DuplicateKeyError)
        throw new IotdaApiError('AMQP_QUEUE_NAME_EXISTS', `queue_name ${name}.`);
      throw error;
    }
  }

  async list(project: string, query: ListQueuesQuery, paging: MarkerPaging) {
    await this.ensureDefault(project);
    const filter: Filter = query.queue_name === undefined ? {} : { queue_name: query.queue_name };
    const page = await findMarkerPage(this.parts.queues, project, { filter }, paging);
    return { queues: page.items.map((q) => viewOf(q)), page: { count: page.count, marker: page.marker } };
  }

  async show(project: string, queueId: string): Promise<QueueView> {
    return viewOf(await this.find(project, queueId));
  }

  /** 409 while a rule action forwards to the queue (spec 03 §6.6); its receivers are detached, its messages dropped. */
  async delete(project: string, queueId: string): Promise<void> {
    const stored = await this.find(project, queueId);
    const name = stored.data.queue_name;
    const path = `/internal/amqp-queue-use/${encodeURIComponent(project)}/${encodeURIComponent(name)}`;
    const use = await this.parts.client.get('rule-engine', path, amqpQueueUseSchema).catch(unavailable);
    if (use?.in_use) throw new IotdaApiError('AMQP_QUEUE_IN_USE', `queue_name ${name}.`);
    await this.parts.queues.delete(project, stored.id);
    this.parts.queueCache.forget(cacheKey(project, name));
    this.parts.hub.queueDeleted(project, name);
    await this.parts.messages.purge(project, name);
  }

  /** The project's queue of this name, or undefined. */
  byName(project: string, name: string): Promise<AmqpQueueAccess | undefined> {
    return this.parts.queueCache.get(cacheKey(project, name), async () => {
      await this.ensureDefault(project);
      const found = await findOne(this.parts.queues, project, { queue_name: name });
      return found && { queue_id: found.data.queue_id, queue_name: found.data.queue_name };
    });
  }

  /**
   * Makes the project's `DefaultQueue` the first time the project is seen, once per deployment (a deleted one stays
   * deleted); the project is then listed for the retention sweep.
   */
  async ensureDefault(project: string): Promise<void> {
    if (this.parts.knownProjects.has(project)) return;
    try {
      await this.parts.projects.insert(deploymentTenant, project, { project_id: project });
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      this.parts.knownProjects.add(project); // made before, by this or another instance
      return;
    }
    try {
      await this.insert(project, defaultQueueName);
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) {
        await this.parts.projects.delete(deploymentTenant, project); // the next request tries again
        throw error;
      }
    }
    this.parts.knownProjects.add(project);
  }

  private insert(project: string, name: string): Promise<StoredDocument<StoredQueue>> {
    return this.parts.queues.insert(project, this.parts.ids.next(), {
      queue_id: randomUUID(),
      queue_name: name,
      create_time: formatCompactUtc(this.parts.clock.now()),
    });
  }

  private async find(project: string, queueId: string) {
    await this.ensureDefault(project);
    const found = await findOne(this.parts.queues, project, { queue_id: queueId });
    if (!found) throw new IotdaApiError('AMQP_QUEUE_NOT_FOUND', `queue_id ${queueId}.`);
    return found;
  }
}

function viewOf(q: { data: StoredQueue }): QueueView {
  const { queue_id, queue_name, create_time } = q.data;
  return { queue_id, queue_name, create_time, last_modify_time: create_time };
}

const cacheKey = (project: string, name: string) => `${project}\u0000${name}`;
