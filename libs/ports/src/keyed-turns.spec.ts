import { KeyedTurns } from './keyed-turns';

describe('KeyedTurns', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('runs one key in order, one at a time, and other keys side by side', async () => {
    const turns = new KeyedTurns();
    const log: string[] = [];
    const work = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      turns.run('a', work('a1')),
      turns.run('a', work('a2')),
      turns.run('b', work('b1')),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log.indexOf('a1 end')).toBeLessThan(log.indexOf('a2 start'));
    expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
  });

  it('goes on after a failure, passes the failure to its caller, and forgets idle keys', async () => {
    const turns = new KeyedTurns();
    const failed = turns.run('a', async () => {
      throw new Error('boom');
    });
    const next = turns.run('a', async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next');
    await tick();
    expect(turns.size).toBe(0);
  });
});
