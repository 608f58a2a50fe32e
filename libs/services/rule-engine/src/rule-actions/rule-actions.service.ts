import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Filter, findOne } from '@nidus/persistence-core';
import { amqpQueueAccessSchema } from '@nidus/contracts';
import { IotdaApiError, type MarkerPaging, findMarkerPage, unavailable } from '@nidus/platform-iotda-http';
import { RULE_PARTS, type RuleParts } from '../rule-engine.parts';
import { PushCertificatesService } from '../push-certificates/push-certificates.service';
import { findRule } from '../routing-rules/routing-rules.service';
import {
  type AddAction,
  type Channel,
  type ChannelDetail,
  type ListActionsQuery,
  type UpdateAction,
  supportedChannels,
} from './rule-action.dto';
import type { StoredAction } from './rule-action.schema';

/** The `channel_detail` member of each channel: `HTTP_FORWARDING` → `http_forwarding`. */
const memberOf = (channel: Channel) => channel.toLowerCase();

/**
 * Rule actions (spec 03 §7.2, spec 05 §3.10.6–§3.10.10): where a routing rule's results go. Nidus forwards to HTTP(S)
 * endpoints and AMQP queues; the other channels of the SDKs are refused by name.
 */
@Injectable()
export class RuleActionsService {
  constructor(
    @Inject(RULE_PARTS) private readonly parts: RuleParts,
    private readonly certificates: PushCertificatesService,
  ) {}

  async create(project: string, body: AddAction) {
    const rule = await findRule(this.parts.rules, project, body.rule_id);
    const action: StoredAction = {
      action_id: randomUUID(),
      rule_id: body.rule_id,
      app_type: rule.data.app_type,
      app_id: rule.data.app_id,
      channel: body.channel,
      channel_detail: detailOf(body.channel, body.channel_detail),
    };
    await this.checkTarget(project, action);
    await this.parts.actions.insert(project, this.parts.ids.next(), action);
    this.parts.activeRules.forget(project);
    return viewOf(action);
  }

  async list(project: string, query: ListActionsQuery, paging: MarkerPaging) {
    const filter: Record<string, Filter[string]> = {};
    for (const key of ['rule_id', 'channel', 'app_type', 'app_id'] as const)
      if (query[key] !== undefined) filter[key] = query[key];
    const page = await findMarkerPage(this.parts.actions, project, { filter }, paging);
    return { actions: page.items.map((a) => viewOf(a.data)), count: page.count, marker: page.marker };
  }

  async show(project: string, actionId: string) {
    return viewOf((await this.find(project, actionId)).data);
  }

  async update(project: string, actionId: string, body: UpdateAction) {
    const stored = await this.find(project, actionId);
    const channel = body.channel ?? stored.data.channel;
    const action: StoredAction = {
      ...stored.data,
      channel,
      channel_detail:
        body.channel_detail === undefined
          ? stored.data.channel_detail
          : detailOf(channel, body.channel_detail),
    };
    await this.checkTarget(project, action);
    await this.parts.actions.replace(project, stored.id, action, stored.version);
    this.parts.activeRules.forget(project);
    return viewOf(action);
  }

  async delete(project: string, actionId: string): Promise<void> {
    const stored = await this.find(project, actionId);
    await this.parts.actions.delete(project, stored.id);
    this.parts.activeRules.forget(project);
    await this.parts.deadLetters.clear(project, actionId);
  }

  /** The action's undelivered pushes, newest first (Nidus extension). */
  async deadLetters(project: string, actionId: string, paging: MarkerPaging) {
    await this.find(project, actionId);
    const filter = { action_id: actionId };
    const page = await findMarkerPage(this.parts.deadLetterStore, project, { filter }, paging);
    const letters = page.items.map((l) => ({ dead_letter_id: l.id, ...l.data }));
    return { dead_letters: letters, count: page.count, marker: page.marker };
  }

  async clearDeadLetters(project: string, actionId: string): Promise<void> {
    await this.find(project, actionId);
    await this.parts.deadLetters.clear(project, actionId);
  }

  /** Whether any action of the project forwards to the queue (amqp-push asks before deleting it). */
  async queueInUse(project: string, queue: string): Promise<boolean> {
    return (
      (await findOne(this.parts.actions, project, { 'channel_detail.amqp_forwarding.queue_name': queue })) !==
      undefined
    );
  }

  /**
   * An HTTP action's push certificate must exist and be bound to its URL; an AMQP action's queue must exist (amqp-push
   * owns queues, ADR 0011): 404 IOTDA.904008 otherwise.
   */
  private async checkTarget(project: string, action: StoredAction): Promise<void> {
    const http = action.channel_detail.http_forwarding;
    if (http?.cert_id !== undefined) await this.certificates.checkUse(project, http.cert_id, http.url);
    const queue = action.channel_detail.amqp_forwarding?.queue_name;
    if (queue === undefined) return;
    const path = `/internal/amqp-queues/${encodeURIComponent(project)}/${encodeURIComponent(queue)}`;
    const found = await this.parts.client.get('amqp-push', path, amqpQueueAccessSchema).catch(unavailable);
    if (!found) throw new IotdaApiError('AMQP_QUEUE_NOT_FOUND', `queue_name ${queue}.`);
  }

  private async find(project: string, actionId: string) {
    const found = await findOne(this.parts.actions, project, { action_id: actionId });
    if (!found) throw new IotdaApiError('RULE_ACTION_NOT_FOUND', `action_id ${actionId}.`);
    return found;
  }
}

/** The channel's own member of `channel_detail`, required; a channel Nidus does not forward to is refused. */
function detailOf(channel: Channel, detail: ChannelDetail): ChannelDetail {
  if (!supportedChannels.includes(channel))
    throw new IotdaApiError(
      'INVALID_PARAMETER',
      `channel ${channel} is not supported; Nidus forwards to ${supportedChannels.join(' and ')}.`,
    );
  const member = memberOf(channel);
  const value = detail[member];
  if (value === undefined)
    throw new IotdaApiError('INVALID_PARAMETER', `channel_detail.${member} is required for ${channel}.`);
  const others = Object.keys(detail).filter((k) => k !== member && detail[k] !== undefined);
  if (others.length > 0)
    throw new IotdaApiError(
      'INVALID_PARAMETER',
      `channel_detail has ${others.join(', ')}, not for ${channel}.`,
    );
  return { [member]: value };
}

function viewOf(a: StoredAction) {
  return {
    action_id: a.action_id,
    rule_id: a.rule_id,
    app_id: a.app_id,
    channel: a.channel,
    channel_detail: a.channel_detail,
  };
}
