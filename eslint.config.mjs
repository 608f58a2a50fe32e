// Lint rules, including the dependency rules of STYLE.md rule 3, enforced per project tag:
//   type:*  what a project is (app, service, platform, port, adapter, contracts, domain, protocol, testing, e2e)
//   scope:* which service it belongs to (shared for everything used by several)
//   adapter:* which infrastructure client an adapter may use
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const nest = '@nestjs/*';
const otelSdk = '@opentelemetry/sdk-*';
const infraClients = ['kafkajs', 'mongoose', 'mongodb', 'ioredis', 'better-sqlite3'];
const frameworkFree = [nest, otelSdk, 'express', 'reflect-metadata', ...infraClients];

// Every service under libs/services/<name> is its own scope (tagged scope:<name> by the generator).
const servicesDir = join(import.meta.dirname, 'libs', 'services');
const serviceScopes = existsSync(servicesDir) ? readdirSync(servicesDir) : [];

const depConstraints = [
  // What each kind of project may depend on.
  {
    sourceTag: 'type:contracts',
    onlyDependOnLibsWithTags: ['type:contracts'],
    bannedExternalImports: frameworkFree,
  },
  {
    sourceTag: 'type:protocol',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:protocol'],
    bannedExternalImports: frameworkFree,
  },
  {
    sourceTag: 'type:domain',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:port', 'type:protocol', 'type:domain'],
    bannedExternalImports: frameworkFree,
  },
  {
    sourceTag: 'type:port',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:port'],
    bannedExternalImports: frameworkFree,
  },
  {
    sourceTag: 'type:adapter',
    // type:testing: an adapter's own specs run the shared contract suites against it.
    onlyDependOnLibsWithTags: ['type:contracts', 'type:port', 'type:testing'],
    bannedExternalImports: [nest, otelSdk],
  },
  {
    sourceTag: 'type:platform',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:port', 'type:adapter', 'type:platform'],
    bannedExternalImports: [otelSdk, ...infraClients],
  },
  {
    sourceTag: 'type:service',
    onlyDependOnLibsWithTags: [
      'type:contracts',
      'type:port',
      'type:domain',
      'type:protocol',
      'type:platform',
      'type:gateway-kit',
    ],
    bannedExternalImports: [otelSdk, ...infraClients],
  },
  {
    // The shared device pipeline: framework-free, over ports; services wire it into their transports.
    sourceTag: 'type:gateway-kit',
    onlyDependOnLibsWithTags: [
      'type:contracts',
      'type:port',
      'type:domain',
      'type:protocol',
      'type:platform',
    ],
    bannedExternalImports: [nest, otelSdk, ...infraClients],
  },
  {
    sourceTag: 'type:testing',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:port', 'type:testing'],
    bannedExternalImports: [otelSdk, ...infraClients],
  },
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:service', 'type:platform', 'type:contracts', 'type:port'],
  },
  {
    sourceTag: 'type:e2e',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'],
    bannedExternalImports: infraClients,
  },
  // Each infrastructure client lives in exactly one adapter.
  { sourceTag: 'adapter:kafka', bannedExternalImports: frameworkFree.filter((m) => m !== 'kafkajs') },
  {
    sourceTag: 'adapter:mongo',
    bannedExternalImports: frameworkFree.filter((m) => m !== 'mongoose' && m !== 'mongodb'),
  },
  { sourceTag: 'adapter:redis', bannedExternalImports: frameworkFree.filter((m) => m !== 'ioredis') },
  {
    sourceTag: 'adapter:embedded',
    bannedExternalImports: frameworkFree.filter((m) => m !== 'better-sqlite3'),
  },
  { sourceTag: 'adapter:memory', bannedExternalImports: frameworkFree },
  // One service never imports another service's code.
  ...serviceScopes.map((s) => ({
    sourceTag: `scope:${s}`,
    onlyDependOnLibsWithTags: [`scope:${s}`, 'scope:shared'],
  })),
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
];

export default [
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '.infra/**', 'data/**', '**/*.cjs', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...tseslint.configs.recommendedTypeChecked.map((c) => ({ ...c, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], banTransitiveDependencies: false, depConstraints },
      ],
      // Promise safety (STYLE rule 10).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/promise-function-async': 'off',
      '@typescript-eslint/require-await': 'off',
      // With noUncheckedIndexedAccess, `xs[i]!` after a bounds check is the idiom, not a smell.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      // No hidden globals (STYLE rule 7): only apps read the environment.
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration in apps/* and pass it in (STYLE rule 7).',
        },
      ],
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['apps/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', '**/*.medium.spec.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
];
