// `npm run db:migrate`: brings the configured database (DATABASE_URL, or the embedded one under
// DATA_DIR) to the latest schema. The server also migrates at start; this is for deploys that
// migrate first and start nodes after.
import { withDatabase } from './database.js';
import { runCli, stdio } from './run.js';

runCli(() =>
  withDatabase(async (db, { applied }) => {
    const where = db.kind === 'postgres' ? 'Postgres (DATABASE_URL)' : 'the embedded database';
    if (applied.length === 0) stdio.out(`${where[0]!.toUpperCase()}${where.slice(1)} is up to date; no migration to apply.`);
    else stdio.out(`Applied ${applied.length} migration${applied.length > 1 ? 's' : ''} to ${where}: ${applied.join(', ')}`);
  }),
);
