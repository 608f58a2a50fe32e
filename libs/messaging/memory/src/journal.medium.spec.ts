import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@nidus/ports';
import { Journal, type JournalRecord } from './journal';

const record = (offset: number, topic = 't'): JournalRecord => ({
  topic,
  partition: 0,
  offset,
  headers: {},
  event: { n: offset },
});

describe('Journal', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nidus-journal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replays what was appended, and cuts off a torn final record left by a crash', async () => {
    const { journal } = await Journal.open({ dir, logger: silentLogger });
    await journal.append([record(0), record(1)]);
    await journal.close();
    appendFileSync(join(dir, '000000000000.log'), '{"t":"t","p":0,"o":2,"h":{},"e":{"n"'); // write cut short

    const reopened = await Journal.open({ dir, logger: silentLogger });
    expect(reopened.records.map((r) => r.offset)).toEqual([0, 1]);
    await reopened.journal.append([record(2)]);
    await reopened.journal.close();
    const third = await Journal.open({ dir, logger: silentLogger });
    expect(third.records.map((r) => r.offset)).toEqual([0, 1, 2]);
    await third.journal.close();
  });

  it('keeps headers, odd text and thousands of records appended at once exactly as they were', async () => {
    const { journal } = await Journal.open({ dir, logger: silentLogger });
    const odd: JournalRecord = {
      topic: 'iot.device.message-reported.v1',
      partition: 3,
      offset: 0,
      headers: { 'x-dead-letter-error': 'bad "quote"\n' },
      event: { text: 'ünïcode \u2028 "q" \\ \u0000', list: [1, null, { deep: true }] },
    };
    const many = Array.from({ length: 3000 }, (_, i) => record(i, 'u')); // more writes than one writev takes
    await Promise.all([journal.append([odd]), ...many.map((r) => journal.append([r]))]);
    await journal.close();

    const { records, journal: reopened } = await Journal.open({ dir, logger: silentLogger });
    expect(records[0]).toEqual(odd);
    expect(records.slice(1)).toEqual(many);
    await reopened.close();
  });

  it('refuses a second live writer and takes over the lock of a dead one', async () => {
    const { journal } = await Journal.open({ dir, logger: silentLogger });
    writeFileSync(join(dir, 'LOCK'), '1'); // pid 1 is alive and is not us
    await expect(Journal.open({ dir, logger: silentLogger })).rejects.toThrow(/in use by process 1/);
    writeFileSync(join(dir, 'LOCK'), '999999999'); // no such process
    await journal.close();
    await expect(
      Journal.open({ dir, logger: silentLogger }).then((o) => o.journal.close()),
    ).resolves.toBeUndefined();
  });

  it('rotates segments and deletes, oldest first, the ones a restart would not need', async () => {
    const { journal } = await Journal.open({ dir, logger: silentLogger, segmentBytes: 100 });
    for (let i = 0; i < 10; i++) await journal.append([record(i)]);
    const segments = () => readdirSync(dir).filter((f) => f.endsWith('.log')).length;
    const before = segments();
    expect(before).toBeGreaterThan(2);
    journal.release(new Map()); // nothing known to be unneeded
    journal.release(new Map([['t/0', 0]]));
    expect(segments()).toBe(before);
    journal.release(new Map([['t/0', 10]]));
    await new Promise((r) => setTimeout(r, 50)); // files are removed off the event loop
    expect(segments()).toBe(1);
    await journal.close();
  });
});
