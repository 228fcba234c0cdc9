// The "who may import whom" table of ARCHITECTURE.md (and ../shared/spec/architecture.md), checked in
// CI by `npm run lint:deps`. Each rule names the row it enforces.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'No import cycles, anywhere.', from: {}, to: { circular: true } },
    {
      name: 'nothing-imports-app',
      severity: 'error',
      comment: 'app.ts is the composition root: nothing imports it (tests and the bench may).',
      from: { path: '^(src|db)/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'shared-imports-no-layer',
      severity: 'error',
      comment: 'shared: libraries and db/ only, never another folder of src.',
      from: { path: '^src/shared/' },
      to: { path: '^src/', pathNot: '^src/shared/' },
    },
    {
      name: 'scopes-imports-nothing-of-ours',
      severity: 'error',
      from: { path: '^src/scopes/' },
      to: { path: '^(src|db)/', pathNot: '^src/scopes/' },
    },
    {
      name: 'db-never-imports-src',
      severity: 'error',
      from: { path: '^db/' },
      to: { path: '^src/' },
    },
    {
      name: 'migrations-import-only-kysely',
      severity: 'error',
      comment: 'Migrations are frozen: they import kysely and nothing else.',
      from: { path: '^db/migrations/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'core'], pathNot: '^node_modules/kysely/' },
    },
    {
      name: 'domain-stays-surface-free',
      severity: 'error',
      comment: 'domain: shared, scopes, db/schema and the provider port types; never a surface, a job, an adapter, koa or the MCP SDK.',
      from: { path: '^src/domain/' },
      to: {
        path: ['^src/(resource|authz|dashboard|jobs|well-known|cli)/', '^src/app\\.ts$', '^src/providers/(?!telephony\\.ts$)', '^node_modules/(koa|@koa/|@modelcontextprotocol/)'],
      },
    },
    {
      name: 'providers-not-surfaces',
      severity: 'error',
      comment: 'providers: shared and domain types only; never a surface or a job.',
      from: { path: '^src/providers/' },
      to: { path: ['^src/(resource|authz|dashboard|jobs|well-known|cli)/', '^src/domain/(?!.*\\.types\\.ts$)'] },
    },
    {
      name: 'jobs-not-surfaces',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/(resource|authz|dashboard|well-known|cli|providers)/' },
    },
    {
      name: 'authz-not-resource',
      severity: 'error',
      comment: 'authz: shared, scopes, domain; never the resource server, the dashboard or jobs.',
      from: { path: '^src/authz/' },
      to: { path: '^src/(resource|dashboard|jobs|well-known|providers)/' },
    },
    {
      name: 'resource-not-dashboard',
      severity: 'error',
      comment: "resource: shared, scopes, domain and authz's public verifiers; never the dashboard, jobs or providers.",
      from: { path: '^src/resource/' },
      to: { path: '^src/(dashboard|jobs|providers/(?!telephony\\.ts$)|well-known)/' },
    },
    {
      name: 'dashboard-not-resource',
      severity: 'error',
      from: { path: '^src/dashboard/' },
      to: { path: '^src/(resource|jobs|well-known)/' },
    },
    {
      name: 'well-known-from-app-only',
      severity: 'error',
      comment: 'well-known: shared, scopes and what app.ts hands it; never the domain or a surface.',
      from: { path: '^src/well-known/' },
      to: { path: '^src/(domain|resource|authz|dashboard|jobs|providers|cli)/' },
    },
    {
      name: 'sql-only-in-repositories',
      severity: 'error',
      comment: 'Only db/ and *.repository.ts files build SQL (shared/db.ts opens the connections).',
      from: { path: '^src/', pathNot: ['\\.repository\\.ts$', '^src/shared/(db|prepared-statements|health)\\.ts$', '^src/cli/'] },
      to: { path: '^node_modules/(kysely|pg|@electric-sql/pglite|kysely-pglite-dialect)/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    moduleSystems: ['es6'],
  },
};
