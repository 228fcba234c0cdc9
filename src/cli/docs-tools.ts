// `npm run docs:tools`: rewrites the tool table in README.md from the registry.
import fs from 'node:fs';
import { withToolTable } from '../resource/framework/tool-table.js';
import { accountTools } from '../resource/tools/registry.js';

const readmePath = new URL('../../README.md', import.meta.url);
const before = fs.readFileSync(readmePath, 'utf8');
const after = withToolTable(before, accountTools);
if (after === before) {
  process.stdout.write('README.md tool table is up to date\n');
} else {
  fs.writeFileSync(readmePath, after);
  process.stdout.write('README.md tool table rewritten\n');
}
