// Shared Jest configuration. Test tiers (STYLE rule 9) are Jest "projects" selected by name:
//   unit   — *.spec.ts next to the code, no servers (`nx test <project>`)
//   medium — *.medium.spec.ts against the real Kafka / FerretDB / Redis of tools/infra (`nx test-medium <project>`)
// End-to-end suites live in test/ and have their own config.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

const workspaceRoot = __dirname;

function tier(projectRoot, displayName, testMatch, extra = {}) {
  return {
    displayName,
    rootDir: projectRoot,
    testEnvironment: 'node',
    testMatch,
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(workspaceRoot, 'tsconfig.spec.json') }],
    },
    moduleFileExtensions: ['ts', 'js', 'json'],
    moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: `${workspaceRoot}/` }),
    ...extra,
  };
}

/** The Jest config of one project: both tiers, picked with --selectProjects. */
function forProject(projectRoot, extra = {}) {
  return {
    projects: [
      tier(projectRoot, 'unit', ['<rootDir>/src/**/*.spec.ts'], {
        testPathIgnorePatterns: ['\\.medium\\.spec\\.ts$', '/node_modules/'],
        ...extra,
      }),
      tier(projectRoot, 'medium', ['<rootDir>/src/**/*.medium.spec.ts'], { testTimeout: 60_000, ...extra }),
    ],
  };
}

module.exports = { forProject, tier, workspaceRoot };
