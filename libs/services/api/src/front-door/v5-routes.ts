import type { ServiceName } from '@nidus/platform-config';
import { knownV5Operations } from './v5-catalogue';

/** Which service serves each implemented v5 operation (ADR 0006); every other known operation answers 501. */
export const v5Owners: Readonly<Record<string, ServiceName>> = {
  add_application: 'device-registry',
  show_applications: 'device-registry',
  show_application: 'device-registry',
  update_application: 'device-registry',
  delete_application: 'device-registry',
  create_product: 'device-registry',
  list_products: 'device-registry',
  show_product: 'device-registry',
  update_product: 'device-registry',
  delete_product: 'device-registry',
  add_device: 'device-registry',
  list_devices: 'device-registry',
  show_device: 'device-registry',
  list_device_logs: 'device-registry',
  update_device: 'device-registry',
  delete_device: 'device-registry',
  reset_device_secret: 'device-registry',
  freeze_device: 'device-registry',
  unfreeze_device: 'device-registry',
  show_device_shadow: 'shadow',
  update_device_shadow_desired_data: 'shadow',
  delete_device_shadow: 'shadow',
  create_command: 'shadow',
  create_async_command: 'shadow',
  show_async_device_command: 'shadow',
  list_async_commands: 'shadow',
  list_async_history_commands: 'shadow',
  count_async_history_commands: 'shadow',
  update_properties: 'shadow',
  list_properties: 'shadow',
  create_message: 'shadow',
  list_device_messages: 'shadow',
  show_device_message: 'shadow',
  delete_device_message: 'shadow',
  create_routing_rule: 'rule-engine',
  list_routing_rules: 'rule-engine',
  show_routing_rule: 'rule-engine',
  update_routing_rule: 'rule-engine',
  delete_routing_rule: 'rule-engine',
  create_rule_action: 'rule-engine',
  list_rule_actions: 'rule-engine',
  show_rule_action: 'rule-engine',
  update_rule_action: 'rule-engine',
  delete_rule_action: 'rule-engine',
  list_rule_action_dead_letters: 'rule-engine',
  delete_rule_action_dead_letters: 'rule-engine',
  create_push_certificate: 'rule-engine',
  list_push_certificates: 'rule-engine',
  show_push_certificate: 'rule-engine',
  delete_push_certificate: 'rule-engine',
  add_queue: 'amqp-push',
  batch_show_queue: 'amqp-push',
  show_queue: 'amqp-push',
  delete_queue: 'amqp-push',
  create_access_code: 'amqp-push',
};

export interface V5Route {
  readonly operation: string;
  /** Undefined while no service implements the operation. */
  readonly owner?: ServiceName;
}

interface CompiledRoute extends V5Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly literals: number;
}

/** Matches a request to a known v5 operation by method and path (after `/v5/iot/{project_id}`). */
export class V5Router {
  private readonly routes: CompiledRoute[];

  constructor(catalogue = knownV5Operations, owners = v5Owners) {
    this.routes = catalogue
      .map(([method, path, operation]) => {
        const segments = path.split('/').filter(Boolean);
        const pattern = segments
          .map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^$()|[\]\\-]/g, '\\$&')))
          .join('/');
        const owner = owners[operation];
        return {
          method,
          operation,
          ...(owner ? { owner } : {}),
          pattern: new RegExp(`^/${pattern}/?$`),
          literals: segments.filter((s) => !s.startsWith('{')).length,
        };
      })
      // A literal segment beats a parameter: `/devices/{id}/shadow` is not `/devices/{id}/{x}`.
      .sort((a, b) => b.literals - a.literals);
  }

  match(method: string, path: string): V5Route | undefined {
    const route = this.routes.find((r) => r.method === method && r.pattern.test(path));
    return route && { operation: route.operation, ...(route.owner ? { owner: route.owner } : {}) };
  }
}
