import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventEnvelopeSchema } from './envelope';
import { topicRegistry } from './topics';

// Golden fixtures (STYLE rule 4): one envelope per published topic that must keep validating. A failure here means
// a published contract changed meaning; add a new version instead of editing the old one.
const fixturesDir = join(__dirname, '..', 'fixtures');
const fixtureFiles = readdirSync(fixturesDir).filter((f) => f.endsWith('.json'));

describe('golden fixtures', () => {
  it('has exactly one fixture per registered topic', () => {
    expect(fixtureFiles.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(
      topicRegistry.map((t) => t.name).sort(),
    );
  });

  describe.each(topicRegistry.map((t) => [t.name, t] as const))('%s', (name, topic) => {
    const fixture: unknown = JSON.parse(readFileSync(join(fixturesDir, `${name}.json`), 'utf8'));

    it('is a valid event envelope of the topic type', () => {
      const envelope = eventEnvelopeSchema.parse(fixture);
      expect(envelope.type).toBe(topic.type);
    });

    it('carries data that the topic schema accepts', () => {
      const envelope = eventEnvelopeSchema.parse(fixture);
      const result = topic.schema.safeParse(envelope.data);
      expect(result.error?.issues ?? []).toEqual([]);
    });
  });
});
