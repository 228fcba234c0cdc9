// A business with people who can sign in to the dashboard — an owner, an admin and a plain member,
// each a real account with a password — and an agent, for the dashboard page tests (approvals, audit,
// calls, members) that need the three roles side by side.
import type { Business } from '../../db/schema.js';
import { createAccountsRepository } from '../../src/authz/accounts.repository.js';
import type { Db } from '../../src/shared/db.js';
import { insertAgent } from './fixtures.js';
import { createTestAccount, type TestAccount } from './oauth.js';

export interface Team {
  business: Business;
  owner: TestAccount;
  admin: TestAccount;
  member: TestAccount;
  agentId: string;
}

let lineCounter = 0;

export async function createTeam(db: Db, name: string): Promise<Team> {
  const owner = await createTestAccount(db, { businesses: [{ name, role: 'owner' }] });
  const business = owner.businesses[0]!;
  const accounts = createAccountsRepository(db.kysely);
  const join = async (role: 'admin' | 'member') => {
    const account = await createTestAccount(db);
    await accounts.upsertMembership(business.id, account.user.id, role);
    return { ...account, businesses: [business] };
  };
  const agent = await insertAgent(db, business.id, {
    name: `${name} receptionist`,
    model: 'gpt-4o',
    firstMessage: 'Hello from the front desk.',
    inboundPrompt: 'You are a friendly receptionist.',
    phone: `+1646555${2000 + lineCounter++}`,
  });
  return { business, owner, admin: await join('admin'), member: await join('member'), agentId: agent.id };
}
