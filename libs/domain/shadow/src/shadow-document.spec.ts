import {
  type ShadowModel,
  type ShadowProperty,
  deltaOf,
  initialDesired,
  reportProperties,
  updateDesired,
} from './shadow-document';

const properties = new Map<string, ShadowProperty>([
  ['opening', { data_type: 'int', min: '0', max: '100', method: 'RW' }],
  ['mode', { data_type: 'string', method: 'RW' }],
  ['pressure', { data_type: 'decimal', method: 'R' }],
]);
const model: ShadowModel = (serviceId) => (serviceId === 'Valve' ? properties : undefined);
const t1 = '20261127T010000Z';
const t2 = '20261127T010100Z';

describe('updateDesired (spec 02 §4.3)', () => {
  it('sets desired values as pending, numeric text as numbers, and counts a version per change', () => {
    const first = updateDesired([], [{ service_id: 'Valve', desired: { opening: '40' } }], model, t1);
    expect(first).toEqual({
      ok: true,
      entries: [
        {
          service_id: 'Valve',
          desired: { properties: { opening: 40 }, event_time: t1 },
          reported: { properties: {} },
          version: 1,
          pending: ['opening'],
        },
      ],
    });
    const second = updateDesired(
      first.ok ? first.entries : [],
      [{ service_id: 'Valve', desired: { opening: null, mode: 'eco' }, version: 1 }],
      model,
      t2,
    );
    expect(second.ok && second.entries[0]).toMatchObject({
      desired: { properties: { mode: 'eco' }, event_time: t2 },
      version: 2,
      pending: ['mode'],
    });
  });

  it('clears the desired section with {}', () => {
    const set = updateDesired([], [{ service_id: 'Valve', desired: { opening: 1, mode: 'a' } }], model, t1);
    const cleared = updateDesired(
      set.ok ? set.entries : [],
      [{ service_id: 'Valve', desired: {} }],
      model,
      t2,
    );
    expect(cleared.ok && cleared.entries[0]).toMatchObject({
      desired: { properties: {} },
      pending: [],
      version: 2,
    });
  });

  it.each([
    [{ service_id: 'Nope', desired: { opening: 1 } }, 'SHADOW_UNKNOWN_SERVICE'],
    [{ service_id: 'Valve', desired: { 'a.b': 1 } }, 'SHADOW_INVALID_KEY'],
    [{ service_id: 'Valve', desired: { $x: 1 } }, 'SHADOW_INVALID_KEY'],
    [{ service_id: 'Valve', desired: { ['nul\u0000']: 1 } }, 'SHADOW_INVALID_KEY'],
    [{ service_id: 'Valve', desired: { speed: 1 } }, 'SHADOW_UNKNOWN_PROPERTY'],
    [{ service_id: 'Valve', desired: { pressure: 1 } }, 'SHADOW_PROPERTY_NOT_WRITABLE'],
    [{ service_id: 'Valve', desired: { opening: 101 } }, 'SHADOW_VALUE_INVALID'],
    [{ service_id: 'Valve', desired: { mode: 'x'.repeat(70_000) } }, 'SHADOW_TOO_LARGE'],
    [{ service_id: 'Valve', desired: { opening: 1 }, version: 3 }, 'SHADOW_VERSION_CONFLICT'],
  ] as const)('refuses %j with %s, changing nothing', (update, reason) => {
    expect(updateDesired([], [update], model, t1)).toMatchObject({ ok: false, reason });
  });
});

describe('reportProperties and deltaOf (spec 02 §4.4)', () => {
  const desired = updateDesired(
    [],
    [{ service_id: 'Valve', desired: { opening: 40, mode: 'eco' } }],
    model,
    t1,
  );
  const entries = desired.ok ? desired.entries : [];

  it('delivers only what the device reports differently, and confirms what it reports the same', () => {
    expect(deltaOf(entries[0]!)).toEqual({ opening: 40, mode: 'eco' });
    const reported = reportProperties(
      entries,
      'Valve',
      { opening: 40, mode: 'off', pressure: 1.2, x: 1 },
      t2,
      model,
    );
    expect(reported[0]).toMatchObject({
      reported: { properties: { opening: 40, mode: 'off', pressure: 1.2 }, event_time: t2 },
      version: 2,
      pending: ['mode'],
      desired: { properties: { opening: 40, mode: 'eco' } },
    });
    expect(deltaOf(reported[0]!)).toEqual({ mode: 'eco' });
  });

  it('ignores reports of services and properties the model does not have', () => {
    expect(reportProperties(entries, 'Nope', { a: 1 }, t2, model)).toEqual(entries);
    expect(reportProperties(entries, 'Valve', { a: 1 }, t2, model)).toEqual(entries);
  });
});

describe('initialDesired (spec 02 §4.4)', () => {
  const withDefaults = new Map([
    [
      'Valve',
      new Map<string, ShadowProperty>([
        ['opening', { data_type: 'int', method: 'RW', default_value: 20 }],
        ['mode', { data_type: 'string', method: 'RW', default_value: 'auto' }],
        ['pressure', { data_type: 'decimal', method: 'R', default_value: 1.5 }],
      ]),
    ],
    ['Meter', new Map<string, ShadowProperty>([['total', { data_type: 'int', method: 'RW' }]])],
  ]);

  it('starts from the defaults of writable properties, the request winning property by property', () => {
    expect(initialDesired(withDefaults, [])).toEqual([
      { service_id: 'Valve', desired: { opening: 20, mode: 'auto' } },
    ]);
    expect(
      initialDesired(withDefaults, [
        { service_id: 'Valve', desired: { opening: 70 } },
        { service_id: 'Meter', desired: { total: 0 } },
      ]),
    ).toEqual([
      { service_id: 'Valve', desired: { opening: 70, mode: 'auto' } },
      { service_id: 'Meter', desired: { total: 0 } },
    ]);
  });

  it('has nothing to start with when the model has no defaults and the request no shadow', () => {
    expect(initialDesired(new Map([['Valve', properties]]), [])).toEqual([]);
  });
});
