import { V5Router, v5Owners } from './v5-routes';
import { knownV5Operations } from './v5-catalogue';

describe('V5Router', () => {
  const router = new V5Router();

  it('knows every operation of spec 05 §3.0 and Appendix B, and Nidus extensions, once', () => {
    // Extensions: device logs, an action's dead letters (2), push CA certificates (4).
    expect(knownV5Operations).toHaveLength(99 + 74 + 7);
    const keys = knownV5Operations.map(([method, path]) => `${method} ${path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const operation of Object.keys(v5Owners))
      expect(knownV5Operations.some(([, , name]) => name === operation)).toBe(true);
  });

  it('routes the implemented operations to their owner', () => {
    expect(router.match('POST', '/devices')).toEqual({ operation: 'add_device', owner: 'device-registry' });
    expect(router.match('GET', '/devices/d-1/')).toEqual({
      operation: 'show_device',
      owner: 'device-registry',
    });
    expect(router.match('POST', '/devices/d-1/action')).toMatchObject({ operation: 'reset_device_secret' });
    expect(router.match('DELETE', '/apps/a1')).toMatchObject({ operation: 'delete_application' });
    expect(router.match('GET', '/devices/d-1/logs')).toEqual({
      operation: 'list_device_logs',
      owner: 'device-registry',
    });
    expect(router.match('GET', '/routing-rule/actions/a-1/dead-letters')).toEqual({
      operation: 'list_rule_action_dead_letters',
      owner: 'rule-engine',
    });
    expect(router.match('DELETE', '/push-certificates/c-1')).toEqual({
      operation: 'delete_push_certificate',
      owner: 'rule-engine',
    });
    expect(router.match('POST', '/auth/accesscode')).toEqual({
      operation: 'create_access_code',
      owner: 'amqp-push',
    });
  });

  it('tells an implemented and a known but unimplemented operation from an unknown one', () => {
    expect(router.match('GET', '/devices/d-1/shadow')).toEqual({
      operation: 'show_device_shadow',
      owner: 'shadow',
    });
    expect(router.match('GET', '/device-group')).toEqual({ operation: 'list_device_groups' });
    expect(router.match('POST', '/search/query-devices')).toEqual({ operation: 'search_devices' });
    expect(router.match('GET', '/devices/d-1/teleport')).toBeUndefined();
    expect(router.match('PATCH', '/devices')).toBeUndefined();
  });

  it('prefers a literal segment to a parameter', () => {
    // `/device-group/{group_id}/devices` must not be taken for another operation with a parameter there.
    expect(router.match('GET', '/device-group/g1/devices')).toEqual({ operation: 'show_devices_in_group' });
  });
});
