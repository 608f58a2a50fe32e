import { productModelSchema } from './product-model';
import { checkValue } from './property-value';

const waterMeter = [
  {
    service_id: 'WaterMeterBasic',
    service_type: 'Water',
    properties: [
      {
        property_name: 'flow',
        data_type: 'decimal',
        min: '0',
        max: '100',
        step: 0.5,
        method: 'RE',
        unit: 'm³',
      },
      { property_name: 'valve', data_type: 'enum', enum_list: ['OPEN', 'CLOSED'], method: 'RW' },
    ],
    commands: [
      {
        command_name: 'SET_VALVE',
        paras: [{ para_name: 'value', data_type: 'enum', enum_list: ['OPEN', 'CLOSED'] }],
      },
    ],
  },
  {
    service_id: 'Battery',
    service_type: 'Battery',
    properties: [{ property_name: 'voltage', data_type: 'int', method: 'R' }],
  },
];

const issues = (model: unknown) => {
  const r = productModelSchema.safeParse(model);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('product model (spec 02 §2.2)', () => {
  it('accepts a well-formed model and fills defaults', () => {
    const parsed = productModelSchema.parse(waterMeter);
    expect(parsed[0]?.option).toBe('Optional');
    expect(parsed[0]?.properties?.[0]?.required).toBe(false);
  });

  it.each([
    [
      'a duplicate service_id',
      [waterMeter[0], { ...waterMeter[0] }],
      '1: duplicate service_id WaterMeterBasic',
    ],
    [
      'a duplicate property name',
      [
        {
          ...waterMeter[1],
          properties: [
            { property_name: 'v', data_type: 'int', method: 'R' },
            { property_name: 'v', data_type: 'int', method: 'R' },
          ],
        },
      ],
      '0.properties.1: duplicate property_name v',
    ],
    [
      'an enum without its list',
      [{ ...waterMeter[1], properties: [{ property_name: 'v', data_type: 'enum', method: 'R' }] }],
      '0.properties.0.enum_list: required when data_type is enum',
    ],
    [
      'a property name that cannot be a shadow key',
      [{ ...waterMeter[1], properties: [{ property_name: 'a.b', data_type: 'int', method: 'R' }] }],
      "0.properties.0.property_name: must not contain '.', '$' or NUL",
    ],
    [
      'an unknown access method',
      [{ ...waterMeter[1], properties: [{ property_name: 'v', data_type: 'int', method: 'X' }] }],
      '0.properties.0.method',
    ],
    [
      'min above max',
      [
        {
          ...waterMeter[1],
          properties: [{ property_name: 'v', data_type: 'int', method: 'R', min: '5', max: '1' }],
        },
      ],
      '0.properties.0.min: must not exceed max',
    ],
    [
      'a numeric min given as a number',
      [{ ...waterMeter[1], properties: [{ property_name: 'v', data_type: 'int', method: 'R', min: 0 }] }],
      '0.properties.0.min',
    ],
    [
      'an unknown data type',
      [{ ...waterMeter[1], properties: [{ property_name: 'v', data_type: 'float', method: 'R' }] }],
      '0.properties.0.data_type',
    ],
  ])('refuses %s', (_name, model, expected) => {
    expect(issues(model).join('\n')).toContain(expected);
  });

  it('refuses a model over 500 KB', () => {
    const big = Array.from({ length: 200 }, (_, i) => ({
      service_id: `s${i}`,
      service_type: 't',
      description: 'x'.repeat(128),
      properties: Array.from({ length: 30 }, (_, j) => ({
        property_name: `p${j}`,
        data_type: 'string',
        method: 'R',
        description: 'y'.repeat(100),
      })),
    }));
    expect(issues(big)).toEqual([': the product model exceeds 500 KB']);
  });
});

describe('checkValue (spec 02 §2.2.2)', () => {
  it.each([
    [{ data_type: 'int' }, 42, 42],
    [{ data_type: 'int' }, '60', 60],
    [{ data_type: 'long' }, '9007199254740993', '9007199254740993'],
    [{ data_type: 'long', max: '10' }, 10, 10],
    [{ data_type: 'decimal', min: '0', step: 0.5 }, 2.5, 2.5],
    [{ data_type: 'string', max_length: 3 }, 'abc', 'abc'],
    [{ data_type: 'DateTime' }, '20240115T081530Z', '20240115T081530Z'],
    [{ data_type: 'jsonObject' }, { a: 1 }, { a: 1 }],
    [{ data_type: 'enum', enum_list: ['ON', 'OFF'] }, 'ON', 'ON'],
    [{ data_type: 'boolean' }, false, false],
    [{ data_type: 'string list', max_length: 2 }, ['ab', 'c'], ['ab', 'c']],
  ] as const)('accepts %j with %j', (definition, value, expected) => {
    expect(checkValue(definition, value)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [{ data_type: 'int' }, 1.5, 'expected an integer'],
    [{ data_type: 'int' }, 2 ** 31, 'must be between -2147483648 and 2147483647'],
    [{ data_type: 'int', min: '0', max: '10' }, 11, 'must be at most 10'],
    [{ data_type: 'long' }, '9223372036854775808', 'must fit in 64 bits'],
    [{ data_type: 'decimal' }, 'NaN', 'expected a number'],
    [{ data_type: 'decimal', min: '0', step: 0.5 }, 0.7, 'must be a multiple of 0.5 from 0'],
    [{ data_type: 'string', max_length: 2 }, 'abc', 'must have at most 2 characters'],
    [{ data_type: 'string' }, 5, 'expected a string'],
    [{ data_type: 'DateTime' }, '2024-01-15T08:15:30Z', 'expected yyyyMMddTHHmmssZ'],
    [{ data_type: 'jsonObject' }, [1], 'expected a JSON object'],
    [{ data_type: 'enum', enum_list: ['ON', 'OFF'] }, 'DIM', 'expected one of ON, OFF'],
    [{ data_type: 'boolean' }, 'true', 'expected true or false'],
    [{ data_type: 'string list' }, ['a', 1], 'expected a list of strings'],
  ] as const)('refuses %j with %j', (definition, value, reason) => {
    expect(checkValue(definition, value)).toEqual({ ok: false, reason });
  });
});
