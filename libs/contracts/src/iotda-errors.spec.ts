import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iotdaErrors } from './iotda-errors';

describe('IoTDA error catalogue', () => {
  const entries = Object.entries(iotdaErrors);

  it('uses well-formed codes and statuses', () => {
    for (const [symbol, spec] of entries) {
      expect([symbol, spec.code]).toEqual([symbol, expect.stringMatching(/^(IOTDA\.\d{6}|APIGW\.\d{4})$/)]);
      expect(spec.status >= 400 && spec.status <= 599).toBe(true);
      expect(spec.message.length).toBeGreaterThan(0);
    }
  });

  it('never gives one clone code (IOTDA.9xxxxx) two meanings', () => {
    const clone = entries.filter(([, s]) => s.code.startsWith('IOTDA.9'));
    const codes = clone.map(([, s]) => s.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('keeps the codes applications may already branch on', () => {
    // Published codes are a contract: changing one of these breaks clients (STYLE rule 4).
    expect(iotdaErrors.INVALID_PARAMETER).toEqual({
      status: 400,
      code: 'IOTDA.000006',
      message: 'Invalid input data.',
    });
    expect(iotdaErrors.DEVICE_NOT_FOUND.code).toBe('IOTDA.014000');
    expect(iotdaErrors.UNAUTHENTICATED).toMatchObject({ status: 401, code: 'APIGW.0301' });
    expect(iotdaErrors.NOT_IMPLEMENTED).toEqual({
      status: 501,
      code: 'IOTDA.900501',
      message: 'Operation not supported.',
    });
    expect(iotdaErrors.PRODUCT_HAS_DEVICES).toMatchObject({ status: 409, code: 'IOTDA.909003' });
  });
});

describe('docs/api/errors.md', () => {
  it('lists every condition of the catalogue as it is', () => {
    const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api', 'errors.md'), 'utf8');
    const rows = doc.split('\n').map((line) => line.split('|').map((cell) => cell.trim()));
    for (const [symbol, e] of Object.entries(iotdaErrors)) {
      expect(rows).toContainEqual(['', `\`${symbol}\``, String(e.status), `\`${e.code}\``, e.message, '']);
    }
  });
});
