import { RuleSqlError, compileRuleSql, compileRuleStatement } from './rule-sql';

/** The statement's output for `input`, or `no match`. */
const run = (sql: string, input: unknown) => {
  const rule = compileRuleStatement(sql);
  return rule.matches(input) ? rule.project(input) : 'no match';
};

const errorOf = (compile: () => unknown): RuleSqlError => {
  try {
    compile();
  } catch (error) {
    if (error instanceof RuleSqlError) return error;
    throw error;
  }
  throw new Error('compiled');
};

describe('conformance vectors (spec 03 §8.8)', () => {
  it.each([
    ['1: keywords are case-insensitive', 'select a as x', { a: 1 }, { x: 1 }],
    ['2: paths are case-sensitive', 'SELECT A AS x', { a: 1 }, {}],
    ['3: nested paths', 'SELECT c.d AS v', { c: { d: 'e' } }, { v: 'e' }],
    ['4: a quoted name with -', 'SELECT "msg-type" AS t', { 'msg-type': 'x' }, { t: 'x' }],
    ['6: an empty array is null', 'SELECT * WHERE data IS NULL', { data: [] }, { data: [] }],
    ['7: two nulls are not equal', 'SELECT * WHERE a = b', {}, 'no match'],
    ['8: a string is no number', 'SELECT * WHERE n > 5', { n: '7' }, 'no match'],
    [
      '9: AND before OR',
      "SELECT * WHERE n > 5 OR m = 'on' AND k = 1",
      { n: 9, m: 'off' },
      { n: 9, m: 'off' },
    ],
  ])('%s', (_, sql, input, expected) => {
    expect(run(sql, input)).toEqual(expected);
  });

  it('5: a constant needs AS', () => {
    expect(errorOf(() => compileRuleStatement('SELECT 5')).message).toBe(
      'SQL clause, column 8: a constant needs AS and an alias, e.g. 5 AS number',
    );
  });

  it('10: a clause of 501 characters is refused', () => {
    const select = (n: number) => `a AS x, ${'b'.repeat(n - 8)}`;
    expect(errorOf(() => compileRuleSql({ select: select(501) })).problem).toBe(
      '501 characters, at most 500 (spec 03 §8.1)',
    );
    expect(compileRuleSql({ select: select(500) }).project({ a: 1 })).toEqual({ x: 1 });
  });

  it('11: non-ASCII is refused, at its column', () => {
    const error = errorOf(() => compileRuleStatement('SELECT a AS tempé'));
    expect(error).toMatchObject({ clause: 'statement', offset: 16 });
    expect(error.message).toBe('SQL clause, column 17: only ASCII characters, not "é"');
  });
});

describe('SELECT (spec 03 §8.4)', () => {
  const message = {
    resource: 'device.message',
    event: 'report',
    notify_data: {
      header: { device_id: 'd4922d8a', product_id: 'p1' },
      body: { content: { temperature: 40, humidity: 24 } },
    },
  };

  it('forwards the worked example of §8.7', () => {
    const rule = compileRuleSql({
      select: 'notify_data.header.device_id AS device_id, notify_data.body.content',
      where: 'notify_data.body.content.temperature > 38',
    });
    expect(rule.matches(message)).toBe(true);
    expect(rule.project(message)).toEqual({
      device_id: 'd4922d8a',
      'notify_data.body.content': { temperature: 40, humidity: 24 },
    });
    const cool = {
      ...message,
      notify_data: { ...message.notify_data, body: { content: { temperature: 20 } } },
    };
    expect(rule.matches(cool)).toBe(false);
  });

  it('takes the fields with or without their keyword; empty means everything, forwarded whole', () => {
    expect(
      compileRuleSql({ select: 'SELECT resource', where: "WHERE event = 'report'" }).project(message),
    ).toEqual({
      resource: 'device.message',
    });
    const all = compileRuleSql({ select: '', where: '  ' });
    expect(all.matches(message)).toBe(true);
    expect(all.project(message)).toEqual(message);
  });

  it('copies the top-level members with *, later items overwriting; leaves out what extracts nothing', () => {
    expect(run("SELECT *, 'x' AS event, missing.path, 5 AS n, -1.5 AS d", { event: 'e', a: 1 })).toEqual({
      event: 'x',
      a: 1,
      n: 5,
      d: -1.5,
    });
  });

  it('reads no array element and no inherited member', () => {
    expect(run('SELECT a.b AS x, constructor AS c, toString AS t', { a: [{ b: 1 }] })).toEqual({});
  });

  it('keeps a key named __proto__ as data', () => {
    const out = run('SELECT a AS "__proto__"', { a: { polluted: true } }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true}}');
  });

  it("accepts any string constant, '' for a quote (E-26)", () => {
    expect(run("SELECT 'it''s 5 o''clock' AS s", {})).toEqual({ s: "it's 5 o'clock" });
  });
});

describe('WHERE (spec 03 §8.5)', () => {
  it.each([
    ['WHERE data.number > 5 AND data.tag < 4', { data: { number: 6, tag: 3 } }, true],
    ['WHERE data.number = 5 OR data.tag = 4', { data: { number: 1, tag: 4 } }, true],
    ["WHERE s = 'on'", { s: 'on' }, true],
    ['WHERE n = 5', { n: '5' }, false],
    ['WHERE a = b', { a: { x: [1, 2] }, b: { x: [1, 2] } }, true],
    ['WHERE a = b', { a: null, b: null }, false],
    ['WHERE d > 1.5', { d: 1.75 }, true],
    ['WHERE x IS NOT NULL', { x: 0 }, true],
    ['WHERE x IS NULL', { x: null }, true],
    ['WHERE (a = 1 OR b = 1) AND c = 1', { a: 1, c: 2 }, false],
    ['WHERE (a = 1 OR b = 1) AND c = 1', { b: 1, c: 1 }, true],
    ['WHERE n >= 5 AND n <= 5 AND n != 4 AND n <> 6', { n: 5 }, true],
    ['WHERE n != 4', {}, false],
  ])('%s on %j: %s', (where, input, expected) => {
    expect(compileRuleSql({ where }).matches(input)).toBe(expected);
  });
});

describe('built-in functions (spec 03 §8.6)', () => {
  const report = {
    resource: 'device.property',
    event: 'report',
    notify_data: {
      header: { device_id: 'd1', tags: [{ tag_key: 'site', tag_value: 'north' }] },
      body: {
        services: [
          { service_id: 'Meter', properties: { temp: 40, state: 'ok' } },
          { service_id: 'Meter', properties: { temp: 41 } },
          { service_id: 'Battery', properties: { level: 80 } },
        ],
      },
    },
  };

  it('read tags and services, in SELECT and WHERE, names case-insensitive', () => {
    const rule = compileRuleSql({
      select:
        "GET_TAG('site') AS site, get_service('Battery') AS battery, GET_SERVICES('Meter') AS meters, " +
        "GET_SERVICE_PROPERTY('Meter', 'temp') AS temp, GET_SERVICE_PROPERTIES('Battery')",
      where:
        "CONTAINS_TAG('site') AND CONTAINS_SERVICES('Battery') AND GET_SERVICE_PROPERTIES('Battery').level > 50",
    });
    expect(rule.matches(report)).toBe(true);
    expect(rule.project(report)).toEqual({
      site: 'north',
      battery: { service_id: 'Battery', properties: { level: 80 } },
      meters: report.notify_data.body.services.slice(0, 2),
      temp: '40',
      "GET_SERVICE_PROPERTIES('Battery')": { level: 80 },
    });
  });

  it('give a string for GET_SERVICE_PROPERTY (no number), null outside a property report, false for a missing tag', () => {
    expect(compileRuleSql({ where: "GET_SERVICE_PROPERTY('Meter', 'temp') > 38" }).matches(report)).toBe(
      false,
    );
    expect(compileRuleSql({ where: "GET_SERVICE_PROPERTY('Meter', 'temp') = '40'" }).matches(report)).toBe(
      true,
    );
    const status = {
      resource: 'device.status',
      notify_data: { header: { device_id: 'd1' }, body: { status: 'ONLINE' } },
    };
    expect(
      compileRuleSql({ where: "GET_SERVICE('Meter') IS NULL AND NOT_A_TAG IS NULL" }).matches(status),
    ).toBe(true);
    expect(
      compileRuleSql({ where: "CONTAINS_SERVICES('Meter') OR CONTAINS_TAG('site')" }).matches(status),
    ).toBe(false);
  });

  it('take a path as an argument', () => {
    const rule = compileRuleSql({ select: 'GET_TAG(key) AS value' });
    expect(rule.project({ ...report, key: 'site' })).toEqual({ value: 'north' });
    expect(rule.project({ ...report, key: 7 })).toEqual({});
  });
});

describe('errors name the clause, the column and the problem', () => {
  it.each([
    [{ select: 'a AS' }, 'SELECT clause, column 5: unexpected the end; expected a quoted name'],
    [
      { select: 'a, ' },
      'SELECT clause, column 4: unexpected the end; expected "*", a number, a string, a function, a path',
    ],
    [{ where: 'a > ' }, 'WHERE clause, column 5: unexpected the end'],
    [{ where: 'a >> 1' }, 'WHERE clause, column 4: unexpected ">"'],
    [{ where: 'FOO(a) = 1' }, 'WHERE clause, column 1: unknown function FOO'],
    [{ where: "GET_TAG('a', 'b') = 1" }, 'WHERE clause, column 1: GET_TAG takes 1 argument, not 2'],
    [{ where: "GET_TAG('a')" }, 'WHERE clause, column 1: GET_TAG is not a condition: compare its value'],
    [{ where: 'a = 1 AND' }, 'WHERE clause, column 10: unexpected the end'],
    [{ where: 'and = 1' }, 'WHERE clause, column 1: unexpected "a"'],
    [{ select: `a AS ${'x'.repeat(33)}` }, 'SELECT clause, column 3: an alias has at most 32 characters'],
    [{ select: 'a AS 1x' }, 'SELECT clause, column 6: unexpected "1"'],
  ])('%j', (sql, message) => {
    expect(errorOf(() => compileRuleSql(sql)).message).toContain(message);
  });
});
