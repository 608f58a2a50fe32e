import { RecordIdGenerator } from '@nidus/domain-ids';
import type { DocumentCollection } from '@nidus/persistence-core';
import type { AmqpQueueAccess } from '@nidus/contracts';
import { type Clock, TtlCache } from '@nidus/ports';
import { InternalClient } from '@nidus/platform-iotda-http';
import type { ServiceRuntime } from '@nidus/platform-runtime';
import { AccessCodes } from './access-codes/access-codes';
import { type MessageClaims, SessionClaims, soleInstance } from './delivery/message-claims';
import { MessageStore } from './delivery/message-store';
import { ProjectCap } from './delivery/project-cap';
import { QueueHub } from './delivery/queue-hub';
import { type QueueStore, openQueueStore } from './queues/queue.schema';

/** A project that has had its `DefaultQueue` made; in the deployment's tenant, keyed by project id. */
export interface StoredProject {
  readonly project_id: string;
}

/** What amqp-push's slices share, made once per service instance. */
export interface AmqpParts {
  /** The rule engine (whether an action uses a queue). */
  readonly client: InternalClient;
  readonly queues: QueueStore;
  readonly projects: DocumentCollection<StoredProject>;
  /** Projects whose `DefaultQueue` this process has seen made. */
  readonly knownProjects: Set<string>;
  /** Queues by project and name, for 2 s: every forwarded message and every attach asks (a deletion elsewhere shows within it). */
  readonly queueCache: TtlCache<AmqpQueueAccess>;
  readonly codes: AccessCodes;
  readonly messages: MessageStore;
  /** Which instance sends a message: every one is this instance's unless the store is shared (distributed shape). */
  readonly claims: MessageClaims;
  readonly hub: QueueHub;
  /** The size cap of a project's messages, applied by one instance at a time. */
  readonly cap: ProjectCap;
  readonly ids: RecordIdGenerator;
  readonly clock: Clock;
}

export const AMQP_PARTS = Symbol('AMQP_PARTS');

export async function makeAmqpParts(runtime: ServiceRuntime): Promise<AmqpParts> {
  const documents = await runtime.documents();
  const messages = await MessageStore.open(documents);
  const { config, logger } = runtime;
  const sessions = await runtime.sessions();
  const claims =
    config.store.kind === 'embedded' ? soleInstance : new SessionClaims(sessions, config.instanceId, logger);
  return {
    client: new InternalClient(runtime),
    queues: await openQueueStore(documents),
    projects: await documents.collection<StoredProject>({ name: 'amqp_projects' }),
    knownProjects: new Set(),
    queueCache: new TtlCache(() => runtime.clock.now(), 2_000),
    codes: await AccessCodes.open(documents),
    messages,
    claims,
    hub: new QueueHub(messages, runtime.logger, claims),
    cap: new ProjectCap(messages, claims, sessions, config.instanceId),
    ids: new RecordIdGenerator(runtime.clock),
    clock: runtime.clock,
  };
}
