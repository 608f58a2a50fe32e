import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@nidus/platform-runtime';
import { AsyncCommandsService } from '../async-commands/async-commands.service';
import { MessagesService } from '../messages/messages.service';
import { SHADOW_PARTS, type ShadowParts } from '../shadow.parts';

/** Spec 03 §9 (5): a scheduled-job table swept every second. */
const sweepMs = 1_000;

/**
 * Every `sweepMs`, ends what timed out: cached messages (TIMEOUT), cached commands (EXPIRED) and sent commands without
 * a receipt (TIMEOUT). Every instance sweeps; an item changes status once (compare-and-set), whoever sweeps it.
 */
@Injectable()
export class DeadlineSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SHADOW_PARTS) private readonly parts: ShadowParts,
    private readonly messages: MessagesService,
    private readonly commands: AsyncCommandsService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.sweeping = this.sweeping.then(() =>
        this.sweep().catch((error: unknown) =>
          this.runtime.logger.warn({ err: error }, 'deadline sweep failed'),
        ),
      );
    }, sweepMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Ends everything due now, oldest first. */
  async sweep(): Promise<void> {
    for (;;) {
      const due = await this.parts.deadlines.due(this.runtime.clock.now(), 200);
      for (const d of due) {
        if (d.kind === 'message') await this.messages.expire(d.project, d.recordId);
        else await this.commands.expire(d.project, d.recordId, d.id);
        await this.parts.deadlines.clear(d.id);
      }
      if (due.length < 200) return;
    }
  }
}
