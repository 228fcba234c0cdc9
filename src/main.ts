// Process entry: load configuration → createApp → listen; SIGTERM/SIGINT → stop.
import { createApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './shared/config.js';
import { DataDirInUseError } from './shared/db.js';
import { seedDemoIfEmpty, startupLines } from './cli/demo-data.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.lines) process.stderr.write(`${line}\n`);
      process.exit(2);
    }
    throw err;
  }

  const app = await createApp(config);
  // The embedded database is a laptop's: give it demo data on first start so the server is usable
  // at once. A real Postgres is seeded only on request (npm run db:seed).
  const demo = config.databaseUrl ? null : await seedDemoIfEmpty(app.db);
  await app.listen();

  process.stdout.write(`${startupLines(config, demo).join('\n')}\n`);
  app.log.info({ url: config.publicUrl, database: app.db.kind }, 'listening');

  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(1);
    app.log.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof DataDirInUseError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
