import { DeviceDirectory } from '@nidus/gateway-kit';
import { InternalClient } from '@nidus/platform-iotda-http';
import type { ServiceRuntime } from '@nidus/platform-runtime';
import { type CommandStore, openCommandStore } from './async-commands/async-command.schema';
import { Deadlines } from './deadlines/deadlines';
import { DevicePresence } from './device-presence/device-presence';
import { type MessageStore, openMessageStore } from './messages/message.schema';
import { type ShadowStore, openShadowStore } from './shadows/shadow.store';
import { PendingRequests } from './sync-calls/pending-requests';

/** The consumer group of the shadow service on every topic it consumes. */
export const shadowGroup = 'shadow';

/** The request ids of the property sets that deliver desired values: their answers complete no call. */
export const shadowDeliveryPrefix = 'shadow-';

/** What the shadow service's slices share, made once per service instance. */
export interface ShadowParts {
  readonly client: InternalClient;
  /** Devices and products as the registry knows them (cached briefly: a changed model applies within seconds). */
  readonly directory: DeviceDirectory;
  readonly presence: DevicePresence;
  readonly pending: PendingRequests;
  readonly store: ShadowStore;
  readonly messages: MessageStore;
  readonly commands: CommandStore;
  /** When cached messages and commands time out. */
  readonly deadlines: Deadlines;
}

export const SHADOW_PARTS = Symbol('SHADOW_PARTS');

export async function makeShadowParts(runtime: ServiceRuntime): Promise<ShadowParts> {
  const client = new InternalClient(runtime);
  const directory = new DeviceDirectory(client, () => runtime.clock.now(), { ttlMs: 5_000 });
  const store = await runtime.sessions();
  const presence = new DevicePresence(store);
  const pending = new PendingRequests(store, runtime.config.instanceId, runtime.logger);
  await pending.start();
  const documents = await runtime.documents();
  return {
    client,
    directory,
    presence,
    pending,
    store: await openShadowStore(documents),
    messages: await openMessageStore(documents),
    commands: await openCommandStore(documents),
    deadlines: await Deadlines.open(documents),
  };
}

export async function closeShadowParts(parts: ShadowParts): Promise<void> {
  await parts.pending.close();
  parts.client.close();
}
