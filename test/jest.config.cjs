// End-to-end tier (STYLE rule 9): the built platform, run as real processes, driven by real clients.
const { tier } = require('../jest.preset.cjs');

module.exports = { ...tier(__dirname, 'e2e', ['<rootDir>/**/*.e2e.spec.ts']), testTimeout: 120_000 };
