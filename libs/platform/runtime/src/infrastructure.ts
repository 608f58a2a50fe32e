import { join } from 'node:path';
import type { PlatformConfig, ServiceName } from '@nidus/platform-config';
import type { EventBus } from '@nidus/messaging-core';
import { KafkaEventBus } from '@nidus/messaging-kafka';
import { MemoryEventBus } from '@nidus/messaging-memory';
import type { DocumentStore, SessionStore } from '@nidus/persistence-core';
import { MemorySessionStore, SessionSpace, SqliteDocumentStore } from '@nidus/persistence-embedded';
import { MongoDocumentStore } from '@nidus/persistence-mongo';
import { RedisSessionStore } from '@nidus/persistence-redis';
import type { Logger } from '@nidus/ports';

/**
 * The adapters behind the ports, chosen by configuration (ARCHITECTURE §2): one bus per process, and per service its
 * own document store (SQLite file or MongoDB connection) and session store namespace, opened on first use.
 */
export interface Infrastructure {
  readonly bus: EventBus;
  documents(service: ServiceName): Promise<DocumentStore>;
  sessions(service: ServiceName): Promise<SessionStore>;
  close(): Promise<void>;
}

export async function openInfrastructure(config: PlatformConfig, logger: Logger): Promise<Infrastructure> {
  const bus: EventBus =
    config.bus.kind === 'kafka'
      ? await KafkaEventBus.connect({
          brokers: [...config.bus.brokers],
          clientId: config.bus.clientId,
          partitions: config.bus.partitions,
          replicationFactor: config.bus.replicationFactor,
          logger: logger.child({ component: 'kafka' }),
        })
      : await MemoryEventBus.open({
          dataDir: join(config.dataDir, 'bus'),
          logger: logger.child({ component: 'bus' }),
        });

  const space = config.sessions.kind === 'memory' ? new SessionSpace() : undefined;
  const documents = new Map<ServiceName, Promise<DocumentStore>>();
  const sessions = new Map<ServiceName, Promise<SessionStore>>();
  const once = <T>(cache: Map<ServiceName, Promise<T>>, service: ServiceName, open: () => Promise<T>) => {
    let opened = cache.get(service);
    if (!opened) {
      opened = open();
      cache.set(service, opened);
    }
    return opened;
  };

  return {
    bus,
    documents: (service) =>
      once(documents, service, async () =>
        config.store.kind === 'mongo'
          ? MongoDocumentStore.connect({ uri: config.store.uri })
          : new SqliteDocumentStore(join(config.dataDir, 'documents', `${service}.sqlite`), {
              cacheMb: config.store.cacheMb,
            }),
      ),
    sessions: (service) =>
      once(sessions, service, async () =>
        config.sessions.kind === 'redis'
          ? RedisSessionStore.connect({ url: config.sessions.url, namespace: service })
          : new MemorySessionStore(space!, service),
      ),
    close: async () => {
      await bus.close();
      const stores = await Promise.allSettled([...documents.values(), ...sessions.values()]);
      await Promise.all(stores.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
      space?.close();
    },
  };
}
