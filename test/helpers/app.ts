// Starts the real application on 127.0.0.1 and a free port, over this file's test database.
import net from 'node:net';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/shared/config.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  app: App;
  /** The public base URL (== issuer), e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  mcpUrl: string;
  /** Where this node actually listens (differs from baseUrl when PUBLIC_URL names another node). */
  listenUrl: string;
  database: TestDatabase;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `env` is applied on top of test defaults, exactly as environment variables would be.
 * Pass `database` to share one database between several apps (several nodes, restarts), and
 * `options` for what createApp takes besides the database (a stand-in for a remote host).
 */
export async function startTestApp(env: Record<string, string> = {}, database?: TestDatabase, options: Omit<AppOptions, 'db'> = {}): Promise<TestApp> {
  const db = database ?? (await createTestDatabase());
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: 'memory://',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Simulated calls make no in-call tool calls unless a test asks (test/in-call-simulator.test.ts):
    // other tests count leads and audit rows of their calls.
    SIMULATOR_RUNTIME: 'false',
    ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
    ...env,
  });
  const app = await createApp(config, { ...options, db: db.db });
  const { url } = await app.listen();
  return {
    app,
    baseUrl: config.publicUrl,
    mcpUrl: config.mcpUrl,
    listenUrl: url,
    database: db,
    async stop() {
      await app.stop();
      if (!database) await db.close();
    },
  };
}
