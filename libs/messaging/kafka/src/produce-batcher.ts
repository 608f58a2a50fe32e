import type { Message, Producer } from 'kafkajs';

interface Pending {
  readonly topic: string;
  readonly messages: Message[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const maxMessagesPerRequest = 1_000;

/**
 * Coalesces the publishes of one event-loop tick into one produce request (acks=all: every in-sync replica has the
 * records before the promise resolves). Requests go out one at a time, so publish order is the order on the broker.
 */
export class ProduceBatcher {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly producer: Producer) {}

  send(topic: string, messages: Message[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ topic, messages, resolve, reject });
      this.flushing ??= new Promise<void>((tick) => setImmediate(tick)).then(() => this.flushLoop());
    });
  }

  /** Resolves when everything queued so far has been answered by the broker. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.take();
      const topicMessages = new Map<string, Message[]>();
      for (const p of batch) {
        const messages = topicMessages.get(p.topic);
        if (messages) messages.push(...p.messages);
        else topicMessages.set(p.topic, [...p.messages]);
      }
      try {
        await this.producer.sendBatch({
          acks: -1,
          topicMessages: [...topicMessages].map(([topic, messages]) => ({ topic, messages })),
        });
        batch.forEach((p) => p.resolve());
      } catch (error) {
        batch.forEach((p) => p.reject(error));
      }
    }
    this.flushing = undefined;
  }

  /** Whole publishes, up to maxMessagesPerRequest messages (at least one publish, however large). */
  private take(): Pending[] {
    let count = 0;
    let n = 0;
    while (
      n < this.pending.length &&
      (n === 0 || count + this.pending[n]!.messages.length <= maxMessagesPerRequest)
    ) {
      count += this.pending[n]!.messages.length;
      n++;
    }
    return this.pending.splice(0, n);
  }
}
