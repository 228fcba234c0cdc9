// oidc-provider's storage adapter: a thin translation to the oidc repository. One instance per
// model name. Contract (tested on PGlite and Postgres in test/oauth-adapter.test.ts):
// - find/findByUid/findByUserCode hide expired records;
// - consumed records come back with `consumed` (epoch seconds of the first consumption);
// - revokeByGrantId deletes the model's records of that grant through the grant index;
// - upsert without expiresIn stores a record that never expires (registered clients: interop.md 12);
// - records whose id is itself a bearer credential (codes, refresh tokens, registration access
//   tokens…) are stored under the SHA-256 of the id, without the id in the payload: a copy of the
//   table yields no usable token. The ids are 256-bit random values, so an unsalted hash is enough.
import { createHash } from 'node:crypto';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import { createOidcRepository, type OidcRecord, type OidcRepository } from './oidc.repository.js';
import type { OwnerDb } from '../shared/db.js';

export interface OidcAdapterOptions {
  /** Seconds during which a rotated refresh token may be used again (interop.md 18). */
  refreshReuseGraceSeconds: number;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/**
 * Models whose id is the token value a client presents. Sessions (found by uid) and device codes
 * (found by user code) keep their id: those lookups must return it.
 */
const CREDENTIAL_MODELS: ReadonlySet<string> = new Set([
  'AuthorizationCode',
  'RefreshToken',
  'AccessToken',
  'ClientCredentials',
  'RegistrationAccessToken',
  'InitialAccessToken',
  'BackchannelAuthenticationRequest',
  'PushedAuthorizationRequest',
]);

const sha256 = (value: string) => `sha256:${createHash('sha256').update(value, 'utf8').digest('base64url')}`;

class KyselyOidcAdapter implements Adapter {
  private readonly hashed: boolean;

  constructor(
    private readonly model: string,
    private readonly repo: OidcRepository,
    /** Whether a consumed record is reported as consumed (see createOidcAdapterFactory). */
    private readonly reportConsumed: (record: OidcRecord) => boolean = () => true,
  ) {
    this.hashed = CREDENTIAL_MODELS.has(model);
  }

  private key(id: string): string {
    return this.hashed ? sha256(id) : id;
  }

  private toPayload(record: OidcRecord | undefined, id?: string): AdapterPayload | undefined {
    if (!record) return undefined;
    let payload = record.payload as AdapterPayload;
    if (this.hashed && id !== undefined) payload = { ...payload, jti: id };
    if (record.consumedAt && this.reportConsumed(record)) {
      return { ...payload, consumed: Math.floor(record.consumedAt.getTime() / 1000) };
    }
    return payload;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    let stored = payload;
    if (this.hashed) {
      const { jti: _secret, ...rest } = payload;
      stored = rest;
    }
    await this.repo.upsert({
      model: this.model,
      id: this.key(id),
      payload: stored as Record<string, unknown>,
      expiresIn: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : undefined,
      grantId: str(payload.grantId),
      userCode: str(payload.userCode),
      uid: str(payload.uid),
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.toPayload(await this.repo.find(this.model, this.key(id)), id);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.toPayload(await this.repo.findByUid(this.model, uid));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.toPayload(await this.repo.findByUserCode(this.model, userCode));
  }

  async consume(id: string): Promise<void> {
    await this.repo.consume(this.model, this.key(id));
  }

  async destroy(id: string): Promise<void> {
    await this.repo.destroy(this.model, this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.repo.revokeByGrantId(this.model, grantId);
  }
}

/**
 * The adapter factory handed to oidc-provider.
 *
 * Refresh-token reuse grace window (interop.md 18). oidc-provider rotates a refresh token by
 * consuming it and issuing a successor; a later request presenting a consumed token is treated as
 * theft: the token is destroyed and the whole grant revoked (lib/actions/grants/refresh_token.js).
 * Some clients share one refresh token between processes that race to refresh, and the loser
 * would then take the grant down with it. So for refresh tokens only, a consumption younger than
 * the grace window is not reported: the provider sees a valid token, rotates it again (the first
 * consumption time is kept, so the window does not slide) and both racers get working tokens;
 * nothing is revoked. After the window, reuse is reported and revokes the grant.
 *
 * The trade-off: within the window a stolen refresh token can be redeemed once more without
 * tripping reuse detection, and that request forks a second valid token chain. The window is short
 * (default 30 s, REFRESH_REUSE_GRACE, 0 disables it), refresh tokens are only presented to our
 * token endpoint (confidential clients also authenticate), and the first reuse after the window
 * from either chain still revokes the grant — so a forked chain dies with the original.
 * RFC 9700 §4.14.2 (refresh token rotation) and OAuth 2.1 §4.3.1 allow this tolerance.
 */
export function createOidcAdapterFactory(db: OwnerDb, options: OidcAdapterOptions): AdapterFactory {
  const repo = createOidcRepository(db);
  const grace = options.refreshReuseGraceSeconds;
  const outsideGrace = (record: OidcRecord) => record.consumedSecondsAgo === null || record.consumedSecondsAgo >= grace;
  return (model: string) => new KyselyOidcAdapter(model, repo, model === 'RefreshToken' ? outsideGrace : undefined);
}
