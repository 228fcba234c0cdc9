// `npm run db:seed`: migrates the configured database and, when it holds no business and no user,
// writes the demo data and prints the same lines a first `npm start` prints: the MCP endpoint, the
// demo sign-in and the two demo API keys (shown this once; only their hashes are stored).
import { withDatabase } from './database.js';
import { runCli, stdio } from './run.js';
import { seedDemoIfEmpty, startupLines } from './demo-data.js';

runCli(() =>
  withDatabase(async (db, { config }) => {
    const demo = await seedDemoIfEmpty(db);
    if (!demo) {
      stdio.out('The database already has data (a business or a user); nothing was seeded.');
      return;
    }
    for (const line of startupLines(config, demo)) stdio.out(line);
  }),
);
