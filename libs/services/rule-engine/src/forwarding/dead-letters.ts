import { formatCompactUtc } from '@nidus/contracts';
import type { RecordIdGenerator } from '@nidus/domain-ids';
import { type DocumentCollection, type DocumentStore, deleteAll } from '@nidus/persistence-core';
import type { Clock, Logger } from '@nidus/ports';
import type { DeadLetterView } from '../rule-actions/rule-action.dto';

/** A push that was not delivered, kept for the API (Nidus extension; ADR 0011). Keyed by record id in the project. */
export type StoredDeadLetter = Omit<DeadLetterView, 'dead_letter_id'>;

export type DeadLetterStore = DocumentCollection<StoredDeadLetter>;

export function openDeadLetterStore(documents: DocumentStore): Promise<DeadLetterStore> {
  return documents.collection<StoredDeadLetter>({
    name: 'rules_dead_letters',
    indexes: [{ fields: ['action_id'] }],
  });
}

/** Dead letters kept per action: the newest. */
export const deadLettersPerAction = 100;
/** Dead letters written per action and second; beyond, they are only counted (a host down at 10 000 pushes/s). */
const writesPerSecond = 10;
const maxBodyChars = 64 * 1024;

/** Records undelivered pushes, at most `writesPerSecond` an action, and trims each action to its newest 100. */
export class DeadLetters {
  private readonly budget = new Map<string, { second: number; used: number; sinceTrim: number }>();

  constructor(
    private readonly store: DeadLetterStore,
    private readonly ids: RecordIdGenerator,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** False when the action's budget of this second is used: the caller counts it. The body is made only if written. */
  record(project: string, letter: Omit<StoredDeadLetter, 'time' | 'body'>, bodyOf: () => string): boolean {
    const now = this.clock.now();
    const second = Math.floor(now / 1000);
    const key = `${project}\u0000${letter.action_id}`;
    const budget = this.budget.get(key) ?? { second, used: 0, sinceTrim: 0 };
    if (budget.second !== second) Object.assign(budget, { second, used: 0 });
    if (budget.used >= writesPerSecond) return false;
    budget.used++;
    budget.sinceTrim++;
    this.budget.set(key, budget);
    const text = bodyOf();
    const body = text.length > maxBodyChars ? text.slice(0, maxBodyChars) : text;
    const trim = budget.sinceTrim >= 20;
    if (trim) budget.sinceTrim = 0;
    void this.store
      .insert(project, this.ids.next(), { ...letter, body, time: formatCompactUtc(now) })
      .then(() => (trim ? this.trim(project, letter.action_id) : undefined))
      .catch((error: unknown) => this.logger.error({ err: error }, 'dead letter not written'));
    return true;
  }

  /** Deletes all but the newest `deadLettersPerAction` of the action. */
  async trim(project: string, actionId: string): Promise<void> {
    const { items } = await this.store.find(project, { action_id: actionId }, { limit: 1000, order: 'desc' });
    for (const old of items.slice(deadLettersPerAction)) await this.store.delete(project, old.id);
  }

  async clear(project: string, actionId: string): Promise<void> {
    await deleteAll(this.store, project, { action_id: actionId });
  }
}
