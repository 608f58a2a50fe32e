#!/usr/bin/env node
// Scaffolds a workspace project the way every project here is laid out (docs/recipes/new-project.md).
//   node tools/generators/project.mjs lib <dir> --type=<type> [--scope=shared] [--adapter=kafka]
//   node tools/generators/project.mjs service <name>   → libs/services/<name> + apps/<name>
// It writes package.json, project.json, tsconfig.json, jest.config.cjs and src/index.ts, and registers the
// import path in tsconfig.base.json. It never overwrites an existing file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const written = ['tsconfig.base.json'];

function write(path, content) {
  const abs = join(root, path);
  if (existsSync(abs)) return console.log(`kept    ${path}`);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, content);
  written.push(path);
  console.log(`created ${path}`);
}

const json = (v) => `${JSON.stringify(v, null, 2)}\n`;
const camel = (s) => s.replace(/-(\w)/g, (_, c) => c.toUpperCase());
const pascal = (s) => camel(s).replace(/^\w/, (c) => c.toUpperCase());

function registerPath(importPath, dir) {
  const file = join(root, 'tsconfig.base.json');
  const cfg = JSON.parse(readFileSync(file, 'utf8'));
  cfg.compilerOptions.paths[importPath] = [`${dir}/src/index.ts`];
  cfg.compilerOptions.paths = Object.fromEntries(Object.entries(cfg.compilerOptions.paths).sort());
  writeFileSync(file, json(cfg));
}

function project(dir, { name, importPath, projectType, tags, targets, index }) {
  const up = relative(dir, '.') || '.';
  write(
    `${dir}/package.json`,
    json({ name: importPath ?? `@nidus/${name}`, version: '0.0.0', private: true }),
  );
  write(
    `${dir}/project.json`,
    json({
      name,
      $schema: `${up}/node_modules/nx/schemas/project-schema.json`,
      projectType,
      sourceRoot: `${dir}/src`,
      tags,
      targets,
    }),
  );
  write(
    `${dir}/tsconfig.json`,
    json({
      extends: `${up}/tsconfig.base.json`,
      compilerOptions: { types: ['node', 'jest'] },
      include: ['src/**/*.ts'],
    }),
  );
  write(
    `${dir}/jest.config.cjs`,
    `module.exports = require('${up}/jest.preset.cjs').forProject(__dirname);\n`,
  );
  if (index) write(`${dir}/src/index.ts`, index);
  if (importPath) registerPath(importPath, dir);
}

const libTargets = { lint: {}, typecheck: {}, test: {}, 'test-medium': {} };

function lib(dir, opts) {
  const name = opts.name ?? dir.replace(/^libs\//, '').replaceAll('/', '-');
  const tags = [`type:${opts.type}`, `scope:${opts.scope ?? 'shared'}`];
  if (opts.adapter) tags.push(`adapter:${opts.adapter}`);
  project(dir, {
    name,
    importPath: `@nidus/${name}`,
    projectType: 'library',
    tags,
    targets: libTargets,
    index: opts.index ?? 'export {};\n',
  });
}

function service(name) {
  const Svc = pascal(name);
  lib(`libs/services/${name}`, {
    name: `service-${name}`,
    type: 'service',
    scope: name,
    index: `export { ${Svc}Module } from './${name}.module';\nexport { create${Svc} } from './${name}.bootstrap';\n`,
  });
  write(
    `libs/services/${name}/src/${name}.module.ts`,
    `import { Module } from '@nestjs/common';\n\n/** Root module of the ${name} service; its vertical slices are imported here. */\n@Module({})\nexport class ${Svc}Module {}\n`,
  );
  write(
    `libs/services/${name}/src/${name}.bootstrap.ts`,
    `import type { INestApplication } from '@nestjs/common';\nimport { type ServiceRuntime, createServiceApp } from '@nidus/platform-runtime';\nimport { ${Svc}Module } from './${name}.module';\n\n` +
      `/** Builds the ${name} service as one Nest application over the given runtime (ports, config, telemetry). */\n` +
      `export function create${Svc}(runtime: ServiceRuntime): Promise<INestApplication> {\n  return createServiceApp(${Svc}Module, runtime);\n}\n`,
  );
  project(`apps/${name}`, {
    name,
    importPath: undefined,
    projectType: 'application',
    tags: ['type:app', `scope:${name}`],
    targets: { build: {}, lint: {}, typecheck: {}, test: {} },
  });
  write(
    `apps/${name}/tsconfig.app.json`,
    json({
      extends: './tsconfig.json',
      compilerOptions: { outDir: `../../dist/apps/${name}`, rootDir: '../..', types: ['node'] },
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.spec.ts'],
    }),
  );
  write(
    `apps/${name}/src/main.ts`,
    `import { ProcessHost, configOrExit } from '@nidus/platform-runtime';\nimport { create${Svc} } from '@nidus/service-${name}';\n\n` +
      `// The distributed shape's ${name} process: this one service, its adapters chosen by configuration\n` +
      `// (README.md, "Configuration"). ProcessHost owns logging, metrics, health and SIGTERM draining.\n` +
      `async function main(): Promise<void> {\n` +
      `  const config = configOrExit(process.env, { defaultServices: ['${name}'], defaultHttpPorts: { '${name}': 8080 } });\n` +
      `  const host = await ProcessHost.start(config);\n` +
      `  await host.serve('${name}', create${Svc}, { frontDoor: true });\n` +
      `  host.announce();\n` +
      `}\n\nvoid main();\n`,
  );
}

const [kind, target, ...rest] = process.argv.slice(2);
const flags = Object.fromEntries(rest.map((f) => f.replace(/^--/, '').split('=')));
if (kind === 'lib' && target && flags.type) lib(target, flags);
else if (kind === 'service' && target && /^[a-z][a-z-]*$/.test(target)) service(target);
else {
  console.error(
    'usage: project.mjs lib <dir> --type=<type> [--scope=..] [--adapter=..] | project.mjs service <name>',
  );
  process.exit(2);
}
// House format for what was written, so `npm test`'s format check passes as generated.
execFileSync(join(root, 'node_modules', '.bin', 'prettier'), ['--write', ...written], {
  cwd: root,
  stdio: 'ignore',
});
console.log('next: npm install (links the new workspace into package-lock.json)');
