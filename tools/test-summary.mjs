#!/usr/bin/env node
// Adds up the Jest result files of one `npm test` run and prints the closing line CI reads: "tests: N passed, N failed".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailed = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const r = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  suitesFailed += r.numRuntimeErrorTestSuites;
}
if (suitesFailed > 0) console.log(`${suitesFailed} test suite(s) could not run`);
console.log(`tests: ${passed} passed, ${failed + suitesFailed} failed, ${skipped} skipped`);
process.exit(failed + suitesFailed > 0 || passed === 0 ? 1 : 0);
