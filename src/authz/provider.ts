import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { SCOPES } from '../scopes/index.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/log.js';
import type { TokenMetrics } from '../shared/metrics.js';
import { html, sendPage } from '../shared/html.js';
import { createAccountsRepository } from './accounts.repository.js';
import { checkCimdUrl, cimdFetch, type FetchLike, type HostResolver } from './cimd.js';
import { createGrantsRepository } from './grants.repository.js';
import type { KeyMaterial } from './keys.js';
import { createOidcAdapterFactory } from './oidc-adapter.js';
import { dropRegisteredScope, validateRedirectUris } from './registration-policy.js';
import { isSameResource } from './resource-indicator.js';
import type { OwnerDb } from '../shared/db.js';

/** Where oidc-provider's endpoints live (the issuer has no path, so these are absolute paths). */
export const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  jwks: '/oauth/jwks',
  end_session: '/oauth/session/end',
  userinfo: '/oauth/userinfo',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
} as const;

/** Sign-in and consent pages (src/authz/interactions.ts). */
export const INTERACTION_PATH = '/oauth/interaction';

/**
 * A grant (a "connected app") lasts a year at most; its refresh tokens expire after
 * REFRESH_TOKEN_TTL without use. After a year the user consents again.
 */
export const GRANT_TTL_SECONDS = 365 * 86400;
const SESSION_TTL_SECONDS = 8 * 3600;
const INTERACTION_TTL_SECONDS = 30 * 60;
const AUTHORIZATION_CODE_TTL_SECONDS = 60;

export interface OidcProviderDeps {
  config: Config;
  db: OwnerDb;
  log: Logger;
  keys: KeyMaterial;
  /** Outbound fetch for Client ID Metadata Documents (tests replace the remote host). */
  fetch?: FetchLike;
  /** DNS resolution for the CIMD address check (defaults to the system resolver). */
  resolveHost?: HostResolver;
  /** Counts the tokens each successful token request issued. */
  metrics?: TokenMetrics;
}

class BusinessUnavailable extends errors.CustomOIDCProviderError {
  constructor(description: string) {
    super('invalid_grant', description);
  }
}

export function createOidcProvider(deps: OidcProviderDeps): Provider {
  const { config, db, log, keys } = deps;
  const accounts = createAccountsRepository(db);
  const grants = createGrantsRepository(db);
  const current = keys.signing.find((k) => k.current);
  if (!current) throw new Error('no current signing key');

  // The consent screen must run on every authorization request: it is where the user picks the
  // business this connection acts for, and a new connection may be for another business.
  const policy = interactionPolicy.base();
  policy
    .get('consent')!
    .checks.add(
      new interactionPolicy.Check('business_not_chosen', 'the user must choose a business for this connection', (ctx) =>
        ctx.oidc.result?.consent?.grantId ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
      ),
      0,
    );

  const configuration: Configuration = {
    adapter: createOidcAdapterFactory(db, { refreshReuseGraceSeconds: config.refreshReuseGraceSeconds }),
    // Persisted keys (src/authz/keys.ts): every node signs with the same current key and publishes
    // the retired ones until their tokens expire.
    jwks: { keys: keys.signing.map((k) => k.privateJwk) as NonNullable<Configuration['jwks']>['keys'] },
    cookies: {
      // Persisted secrets: a session or interaction cookie set by one node is valid on all.
      keys: keys.cookieKeys,
      names: { session: 'kc_oauth_session', interaction: 'kc_oauth_interaction', resume: 'kc_oauth_resume' },
      // SameSite=Lax: cookies ride the top-level redirect back from the client, never a
      // cross-site POST (a first line of CSRF defence for the sign-in and consent forms).
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    routes: OAUTH_ROUTES,
    // The catalog scopes are also declared here so DCR requests may list them in `scope`
    // (oidc-provider validates a client's `scope` against this list); `openid` comes with the
    // library. offline_access is deliberately absent: refresh tokens do not depend on it.
    scopes: ['openid', ...SCOPES],
    // OAuth 2.1: authorization code only (no implicit, no hybrid).
    responseTypes: ['code'],
    // DCR and CIMD clients get refresh tokens by default (interop.md 17); ID tokens, if a client
    // asks for openid, are signed with our only algorithm.
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
    // Public clients and the two shared-secret methods real MCP clients use (interop.md 8).
    clientAuthMethods: ['none', 'client_secret_post', 'client_secret_basic'],
    // PKCE with S256 for every client, confidential ones included (OAuth 2.1 §4.1.1); oidc-provider
    // itself only accepts S256.
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      // RFC 7591 open registration (rate-limited in front of the provider, registration-policy.ts);
      // the registration access token gives clients a registration_client_uri to read (interop 12).
      registration: { enabled: true, initialAccessToken: false, issueRegistrationAccessToken: true },
      registrationManagement: { enabled: false },
      // RFC 8707: one resource, the MCP URL; tokens are JWTs bound to it (RFC 9068).
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => {
          if (oneOf) return oneOf.find((r) => isSameResource(r, config.mcpUrl)) ?? oneOf[0]!;
          return config.mcpUrl;
        },
        // Refresh requests without `resource` get the resource the grant was made for.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (!isSameResource(indicator, config.mcpUrl)) {
            throw new errors.InvalidTarget(`unknown resource ${JSON.stringify(indicator)}: this server issues tokens only for ${config.mcpUrl}`);
          }
          return {
            scope: SCOPES.join(' '),
            // aud is the canonical MCP URL whatever spelling the client used (interop.md 14).
            audience: config.mcpUrl,
            accessTokenTTL: config.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256', kid: current.kid } },
          };
        },
      },
      // RFC 7009: revoking a refresh token revokes its grant (revokeGrantPolicy default).
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => {
          // RFC 7009 §2.1: a client may only revoke its own tokens. Public clients get the silent
          // 200 the RFC prescribes for tokens they cannot revoke; others a clear refusal.
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('this client is not allowed to revoke a token issued to another client');
        },
      },
      // RFC 7662 for refresh tokens (access tokens are JWTs: verify them locally instead).
      introspection: {
        enabled: true,
        // Anyone may register a client, so a client may only introspect its own tokens.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        allowFetch: async (_ctx, clientId) => {
          const verdict = await checkCimdUrl(clientId, { allowPrivateHosts: config.cimdAllowPrivateHosts, resolve: deps.resolveHost });
          if (!verdict.ok) log.warn({ reason: verdict.reason, host: URL.parse(clientId)?.host }, 'client id metadata document refused');
          return verdict.ok;
        },
        cacheDuration: { min: 300, max: 86400 },
      },
      // Not used: DPoP-bound tokens would need proof checks the resource server does not do.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: false },
      claimsParameter: { enabled: false },
      clientCredentials: { enabled: false },
      deviceFlow: { enabled: false },
      backchannelLogout: { enabled: false },
      ciba: { enabled: false },
      requestObjects: { enabled: false },
      encryption: { enabled: false },
      jwtIntrospection: { enabled: false },
      jwtResponseModes: { enabled: false },
      richAuthorizationRequests: { enabled: false },
    },
    // Redirect URI rules of interop.md 9–11, native classification for loopback and private-use
    // URIs (loopback on any port, RFC 8252 §7.3), and no registered `scope` ceiling (registration-policy.ts says why).
    extraClientMetadata: {
      properties: ['redirect_uris', 'scope'],
      validator: (_ctx, key, _value, metadata) => {
        if (key === 'redirect_uris') validateRedirectUris(metadata as Record<string, unknown>);
        if (key === 'scope') dropRegisteredScope(metadata as Record<string, unknown>);
      },
    },
    fetch: cimdFetch({ allowPrivateHosts: config.cimdAllowPrivateHosts, fetch: deps.fetch }) as Configuration['fetch'],
    // A browser client (MCP Inspector) calls the token and revocation endpoints cross-origin; those
    // requests carry no cookies, so any origin may (interop.md 6).
    clientBasedCORS: () => true,
    // Refresh tokens for every client registered with the refresh_token grant, offline_access or
    // not (interop.md 17: hosted Claude never asks for it).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Tokens outlive the browser sign-in session: the session only serves the consent step.
    expiresWithSession: async () => false,
    // Rotate on every use (OAuth 2.1 §4.3.1); reuse handling and its grace window: oidc-adapter.ts.
    rotateRefreshToken: true,
    // A new authorization always gets a new grant from the consent step (see the policy above), so
    // an earlier grant of the same client is never silently reused with its old business.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
    },
    ttl: {
      AccessToken: config.accessTokenTtlSeconds,
      // Sliding: each rotation gets the full lifetime, so a connection used at least once per
      // REFRESH_TOKEN_TTL keeps working until its grant expires.
      RefreshToken: config.refreshTokenTtlSeconds,
      AuthorizationCode: AUTHORIZATION_CODE_TTL_SECONDS,
      Grant: GRANT_TTL_SECONDS,
      Session: SESSION_TTL_SECONDS,
      Interaction: INTERACTION_TTL_SECONDS,
      IdToken: config.accessTokenTtlSeconds,
    },
    async findAccount(_ctx, sub) {
      const user = await accounts.findUserById(sub).catch(() => undefined);
      if (!user) return undefined;
      return { accountId: user.id, claims: async () => ({ sub: user.id, email: user.email }) };
    },
    // The business chosen at consent travels in every access token of the grant, refreshes
    // included, as `business_id` — the resource server confines every call to it.
    async extraTokenClaims(_ctx, token) {
      const grantId = (token as { grantId?: string }).grantId;
      if (!grantId) throw new BusinessUnavailable('this token has no grant');
      const binding = await grants.findBinding(grantId);
      if (!binding || binding.revokedAt) throw new BusinessUnavailable('this connection has been revoked; connect the app again');
      // Membership is checked at every issuance, so removing a user from a business ends their
      // apps' access to it at the next refresh.
      if (!binding.role) throw new BusinessUnavailable('the user no longer belongs to the business this connection was made for; connect the app again');
      // grant_id lets the resource server see a revoked connection before the token expires.
      return { business_id: binding.businessId, grant_id: grantId };
    },
    async renderError(ctx, out) {
      const description = out.error_description ?? 'The request could not be processed.';
      sendPage(
        ctx as unknown as Parameters<typeof sendPage>[0],
        Math.max(ctx.status, 400),
        'Sign-in problem',
        html`<h1>This connection request cannot continue</h1>
<div role="alert"><p><strong>${out.error}</strong>: ${description}</p></div>
<p class="muted">Go back to the app you were connecting and start again. If this keeps happening, the app may be misconfigured.</p>`,
      );
    },
  };

  const provider = new Provider(config.issuer, configuration);

  provider.on('grant.revoked', (_ctx: KoaContextWithOIDC, grantId: string) => {
    grants.markRevoked(grantId).catch((err: unknown) => log.error({ err, grantId }, 'could not mark grant revoked'));
  });
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    // Only a grant type the token endpoint has a handler for gets here, so the label stays bounded.
    const body = ctx.body as Record<string, unknown> | undefined;
    const issued = ISSUED_TOKEN_TYPES.filter((type) => typeof body?.[type] === 'string');
    deps.metrics?.tokensIssued(String(ctx.oidc.params?.grant_type), issued);
  });
  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => log.error({ err }, 'authorization server error'));
  const refused = (event: string) => (ctx: KoaContextWithOIDC, err: errors.OIDCProviderError) =>
    log.info({ event, path: ctx.path, error: err.error, description: err.error_description, detail: err.error_detail }, 'oauth request refused');
  provider.on('grant.error', refused('grant.error'));
  provider.on('authorization.error', refused('authorization.error'));
  provider.on('registration_create.error', refused('registration_create.error'));
  provider.on('revocation.error', refused('revocation.error'));
  provider.on('introspection.error', refused('introspection.error'));
  return provider;
}

const ISSUED_TOKEN_TYPES = ['access_token', 'refresh_token', 'id_token'] as const;

export type { Provider };
