// The database a command-line tool works on: the one the server would use (DATABASE_URL, or the
// embedded database under DATA_DIR), migrated as the server migrates it at start.
import { migrateToLatest } from '../../db/migrate.js';
import { loadConfig, type Config } from '../shared/config.js';
import { openDatabase, type Db } from '../shared/db.js';

/**
 * Opens the configured database for the length of `work` and closes it after. On the embedded
 * database a running server holds the data directory: opening then fails with DataDirInUseError
 * before any file of the database is touched (PGlite is one process's database).
 */
export async function withDatabase<T>(work: (db: Db, context: { config: Config; applied: string[] }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const applied = await migrateToLatest(db.kysely);
    return await work(db, { config, applied });
  } finally {
    await db.close();
  }
}
