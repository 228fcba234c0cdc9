// The import table of ARCHITECTURE.md holds for the tree, and the checker that CI runs
// (.dependency-cruiser.cjs) does fail when a file breaks it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const config = createRequire(import.meta.url)(path.join(ROOT, '.dependency-cruiser.cjs')) as {
  forbidden: NonNullable<ICruiseOptions['ruleSet']>['forbidden'];
  options: ICruiseOptions;
};

async function violations(baseDir: string, roots: string[]): Promise<IViolation[]> {
  const result = await cruise(roots, { ...config.options, baseDir, tsConfig: undefined, validate: true, ruleSet: { forbidden: config.forbidden } });
  if (typeof result.output === 'string') throw new Error('expected a cruise result object');
  return result.output.summary.violations;
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
});

/** A throw-away tree with the given files (path → source), laid out like ours. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-arch-'));
  scratch.push(dir);
  for (const [file, source] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

describe('the import table', () => {
  it('holds for src and db, with no cycle', async () => {
    const found = (await violations(ROOT, ['src', 'db'])).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toEqual([]);
  }, 60_000);

  it('fails when the domain imports a tool, or when two modules import each other', async () => {
    const dir = tree({
      'src/resource/tools/calls/make_call.ts': "export const makeCall = 'tool';\n",
      'src/domain/calls/calls.service.ts': "import { makeCall } from '../../resource/tools/calls/make_call.js';\nexport const service = makeCall;\n",
      'src/jobs/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/jobs/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    });
    const found = (await violations(dir, ['src'])).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toContain('domain-stays-surface-free: src/domain/calls/calls.service.ts → src/resource/tools/calls/make_call.ts');
    expect(found.some((line) => line.startsWith('no-cycles: src/jobs/'))).toBe(true);
  }, 60_000);

  it('fails when a well-known document reaches into the resource server or authz into the dashboard', async () => {
    const dir = tree({
      'src/resource/tools/registry.ts': 'export const tools = [];\n',
      'src/well-known/mcp-discovery.ts': "import { tools } from '../resource/tools/registry.js';\nexport const doc = tools;\n",
      'src/dashboard/pages.ts': "export const page = 'page';\n",
      'src/authz/interactions.ts': "import { page } from '../dashboard/pages.js';\nexport const consent = page;\n",
    });
    const rules = (await violations(dir, ['src'])).map((v) => v.rule.name);
    expect(rules).toEqual(expect.arrayContaining(['well-known-from-app-only', 'authz-not-resource']));
  }, 60_000);
});
