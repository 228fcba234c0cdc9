// Agent tools: what a business's agents can do during a call besides the global tools. The rules:
//
// - A name is what the model calls the tool: an identifier, unique in the business, and never one of
//   the in-call surface's global tools (they share a persona's tools/list).
// - api_request and function tools make a request the caller's words can steer, so their URL is
//   https with a public host written out (placeholders only after the host), and no literal private,
//   loopback, link-local or metadata address; the in-call executor checks every resolved address
//   and redirect again. Placeholders name a parameter of the tool or a call variable.
// - Header values of credentials are secrets: stored apart, answered masked, never audited or logged.
//   An update that lists a header without a value keeps the stored value.
// - A tool attached to an agent is not deleted unless asked with force (it is detached first).
import type { Db, TenantTx } from '../../shared/db.js';
import { AppError, invalidArgument, notFound } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import type { Actor } from '../audit/actor.js';
import { requireAdmin } from '../updates/authority.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import { parseE164 } from '../compliance/phone.js';
import { createSettingsRepository } from '../settings/settings.repository.js';
import { createStaffRepository } from '../staff/staff.repository.js';
import { isPublicHttpsUrl } from '../updates/intents.js';
import { createAgentToolsRepository, type StoredAgentTool } from './agent-tools.repository.js';
import {
  CONTEXT_VARIABLES,
  RESERVED_TOOL_NAMES,
  type AgentTool,
  type AgentToolChange,
  type AgentToolConfig,
  type AgentToolSettingsInput,
  type AgentToolType,
  type HeaderInput,
  type NewAgentTool,
  type ParameterInput,
  type ToolHeader,
  type ToolParameter,
} from './agent-tools.types.js';

const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/** Header names whose values are credentials whatever the caller says. */
const SECRET_HEADER = /authorization|api[-_]?key|token|secret|password|cookie|signature|credential/i;
/** Set by the HTTP client or meaningless to set by hand. */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'upgrade', 'te', 'proxy-authorization']);

export interface AgentToolsService {
  list(tx: TenantTx, businessId: string, page: { limit: number; offset: number }): Promise<AgentTool[]>;
  get(tx: TenantTx, businessId: string, toolId: string): Promise<AgentTool>;
  create(input: { businessId: string; actor: Actor; tool: NewAgentTool }): Promise<AgentTool>;
  /** Changes only the fields given; the type cannot change. */
  update(input: { businessId: string; actor: Actor; toolId: string; change: AgentToolChange }): Promise<{ tool: AgentTool; changedFields: string[] }>;
  /** Refused (conflict, naming the agents) while attached, unless `force` detaches it first. */
  remove(input: { businessId: string; actor: Actor; toolId: string; force: boolean }): Promise<{ tool: AgentTool; detachedFrom: AgentTool['usedBy'] }>;
  /** Refuses (field `tool_ids[i]`) any id that is not a tool of this business. */
  requireTools(tx: TenantTx, businessId: string, toolIds: readonly string[], field?: string): Promise<void>;
}

export function createAgentToolsService(deps: { db: Db }): AgentToolsService {
  const { db } = deps;

  async function get(tx: TenantTx, businessId: string, toolId: string): Promise<AgentTool> {
    const found = isUuid(toolId) ? await createAgentToolsRepository(tx, businessId).find(toolId) : undefined;
    if (!found) throw notFound('Agent tool');
    return found;
  }

  return {
    list: (tx, businessId, page) => createAgentToolsRepository(tx, businessId).list(page),
    get,

    // Agent tools decide where call data goes (api_request / function post it to outside servers
    // with secret headers) and which numbers a call may be transferred to, so changing them takes
    // the admin role, like creating an agent.
    create: ({ businessId, actor, tool }) =>
      db.forBusiness(businessId, async (tx) => {
        await requireAdmin(tx, businessId, actor, 'creating an agent tool');
        const stored = await build(tx, businessId, tool.type, { name: tool.name, description: tool.description ?? '' }, tool, undefined);
        const id = await createAgentToolsRepository(tx, businessId).insert(stored);
        if (!id) throw new AppError('conflict', `This business already has an agent tool named "${stored.name}"; choose another name.`, { field: 'name' });
        await createAuditRepository(tx).recordAction(businessId, actor, 'agent_tool.created', { tool_id: id, type: stored.type, name: stored.name });
        return get(tx, businessId, id);
      }),

    update: ({ businessId, actor, toolId, change }) =>
      db.forBusiness(businessId, async (tx) => {
        await requireAdmin(tx, businessId, actor, 'changing an agent tool');
        const repo = createAgentToolsRepository(tx, businessId);
        const current = isUuid(toolId) ? await repo.find(toolId, { lock: true }) : undefined;
        if (!current) throw notFound('Agent tool');
        const type = current.config.type;
        const other = (Object.keys(SETTINGS_OF) as AgentToolType[]).find((t) => t !== type && change[t] !== undefined);
        if (other) throw invalidArgument(`${other}: this tool is a ${type} tool and its type cannot change; create a new tool instead`, { field: other });
        const stored = await build(tx, businessId, type, { name: change.name ?? current.name, description: change.description ?? current.description }, change, {
          config: current.config,
          secretHeaders: await repo.secretHeaders(current.id),
        });
        const changedFields = [
          ...(change.name !== undefined && change.name !== current.name ? ['name'] : []),
          ...(change.description !== undefined && change.description !== current.description ? ['description'] : []),
          ...Object.keys(change[type] ?? {}).map((f) => `${type}.${f}`),
        ];
        if (!(await repo.update(current.id, stored))) {
          throw new AppError('conflict', `This business already has an agent tool named "${stored.name}"; choose another name.`, { field: 'name' });
        }
        await createAuditRepository(tx).recordAction(businessId, actor, 'agent_tool.updated', { tool_id: current.id, type, fields: changedFields });
        return { tool: await get(tx, businessId, current.id), changedFields };
      }),

    remove: ({ businessId, actor, toolId, force }) =>
      db.forBusiness(businessId, async (tx) => {
        await requireAdmin(tx, businessId, actor, 'deleting an agent tool');
        const repo = createAgentToolsRepository(tx, businessId);
        const current = isUuid(toolId) ? await repo.find(toolId, { lock: true }) : undefined;
        if (!current) throw notFound('Agent tool');
        if (current.usedBy.length > 0 && !force) {
          const names = current.usedBy.map((a) => `"${a.name}"`).join(', ');
          throw new AppError('conflict', `Agent tool "${current.name}" is in use by ${names}; detach it with update_agent_config (tool_ids) or delete with force: true.`, {
            agent_ids: current.usedBy.map((a) => a.id),
          });
        }
        await repo.delete(current.id);
        await createAuditRepository(tx).recordAction(businessId, actor, 'agent_tool.deleted', {
          tool_id: current.id,
          name: current.name,
          forced: force,
          detached_from: current.usedBy.map((a) => a.id),
        });
        return { tool: current, detachedFrom: current.usedBy };
      }),

    async requireTools(tx, businessId, toolIds, field = 'tool_ids') {
      const known = await createAgentToolsRepository(tx, businessId).existing(toolIds.filter(isUuid));
      const missing = toolIds.findIndex((id) => !known.has(id));
      if (missing >= 0) throw new AppError('not_found', `${field}[${missing}]: agent tool not found`, { field: `${field}[${missing}]` });
      const repeated = toolIds.findIndex((id, i) => toolIds.indexOf(id) !== i);
      if (repeated >= 0) throw invalidArgument(`${field}[${repeated}] repeats ${field}[${toolIds.indexOf(toolIds[repeated]!)}]`, { field: `${field}[${repeated}]` });
    },
  };
}

// ── Building and checking a tool ────────────────────────────────────────────────────────────────

const SETTINGS_OF: Record<AgentToolType, true> = { transfer_call: true, transfer_to_user: true, transfer_to_queue: true, sms: true, api_request: true, function: true };

/**
 * The stored form of a tool from its current form (update) and the fields given: every field given
 * replaces the current one, every field absent keeps it; then the whole tool is checked.
 */
async function build(
  tx: TenantTx,
  businessId: string,
  type: AgentToolType,
  common: { name: string; description: string },
  input: AgentToolSettingsInput,
  current: { config: AgentToolConfig; secretHeaders: Record<string, string> } | undefined,
): Promise<StoredAgentTool> {
  const name = common.name.trim();
  if (!TOOL_NAME.test(name)) throw invalidArgument('name must be 1–64 lowercase letters, digits or "_", starting with a letter (such as "check_order_status")', { field: 'name' });
  if ((RESERVED_TOOL_NAMES as readonly string[]).includes(name)) {
    throw invalidArgument(`name "${name}" is a global in-call tool's name; choose another`, { field: 'name' });
  }
  const description = common.description.trim();
  if (description.length > 1000) throw invalidArgument('description must be at most 1000 characters', { field: 'description' });

  const given = input[type] as Record<string, unknown> | undefined;
  if (!current && !given) throw invalidArgument(`${type}: the settings of a ${type} tool are required`, { field: type });
  const was = current?.config as (AgentToolConfig & Record<string, unknown>) | undefined;
  const pick = <T>(field: string, currentValue: T | undefined): T | undefined => (given && given[field] !== undefined ? (given[field] as T) : currentValue);
  const stored = { type, name, description, secretHeaders: {} as Record<string, string> };

  switch (type) {
    case 'transfer_call': {
      const destinations = pick<NonNullable<NonNullable<AgentToolSettingsInput['transfer_call']>['destinations']>>(
        'destinations',
        was?.type === type ? was.destinations : undefined,
      );
      if (!destinations?.length) throw invalidArgument('transfer_call.destinations: at least one destination is required', { field: 'transfer_call.destinations' });
      if (destinations.length > 10) throw invalidArgument('transfer_call.destinations: at most 10', { field: 'transfer_call.destinations' });
      destinations.forEach((d, i) => {
        const at = `transfer_call.destinations[${i}]`;
        if (!parseE164(d.number)) throw invalidArgument(`${at}.number must be E.164 such as +14155552671`, { field: `${at}.number` });
        limit(d.description, 500, `${at}.description`);
        limit(d.message, 1000, `${at}.message`);
      });
      return {
        ...stored,
        config: { type, destinations: destinations.map((d) => ({ number: d.number, description: d.description?.trim() || null, message: d.message?.trim() || null })) },
      };
    }
    case 'transfer_to_user': {
      const staffId = pick<string>('staff_id', was?.type === type ? was.staffId : undefined);
      if (!staffId) throw invalidArgument('transfer_to_user.staff_id is required', { field: 'transfer_to_user.staff_id' });
      if (!isUuid(staffId) || !(await createStaffRepository(tx, businessId).find(staffId))) {
        throw new AppError('not_found', 'transfer_to_user.staff_id: staff member not found', { field: 'transfer_to_user.staff_id' });
      }
      return { ...stored, config: { type, staffId, message: limit(trimmed(pick('message', was?.type === type ? was.message : null)), 1000, `${type}.message`) } };
    }
    case 'transfer_to_queue': {
      const queueId = pick<string>('queue_id', was?.type === type ? was.queueId : undefined);
      if (!queueId) throw invalidArgument('transfer_to_queue.queue_id is required', { field: 'transfer_to_queue.queue_id' });
      if (!isUuid(queueId) || !(await createStaffRepository(tx, businessId).findQueue(queueId))) {
        throw new AppError('not_found', 'transfer_to_queue.queue_id: queue not found', { field: 'transfer_to_queue.queue_id' });
      }
      return { ...stored, config: { type, queueId, message: limit(trimmed(pick('message', was?.type === type ? was.message : null)), 1000, `${type}.message`) } };
    }
    case 'sms': {
      const message = trimmed(pick<string | null>('message', was?.type === type ? was.message : null));
      const linkKey = trimmed(pick<string | null>('link_key', was?.type === type ? was.linkKey : null));
      if (!message && !linkKey) throw invalidArgument('sms: give a message template or a link_key (a textable link)', { field: 'sms.message' });
      if (message && message.length > 1000) throw invalidArgument('sms.message must be at most 1000 characters', { field: 'sms.message' });
      if (linkKey && (await createSettingsRepository(tx, businessId).linksByKey([linkKey])).length === 0) {
        throw new AppError('not_found', `sms.link_key: no textable link "${linkKey}" (see configure_textable_links)`, { field: 'sms.link_key' });
      }
      return { ...stored, config: { type, message, linkKey } };
    }
    case 'api_request': {
      const prior = was?.type === type ? was : undefined;
      const parameters = checkParameters(pick<ParameterInput[]>('parameters', prior?.parameters) ?? [], 'api_request.parameters');
      const url = pick<string>('url', prior?.url);
      if (!url) throw invalidArgument('api_request.url is required', { field: 'api_request.url' });
      checkUrl(url, 'api_request.url', parameters);
      const body = trimmed(pick<string | null>('body', prior?.body ?? null));
      if (body) {
        if (body.length > 20_000) throw invalidArgument('api_request.body must be at most 20000 characters', { field: 'api_request.body' });
        checkPlaceholders(body, 'api_request.body', parameters);
      }
      const headers = checkHeaders(pick<HeaderInput[]>('headers', undefined), prior?.headers, current?.secretHeaders ?? {}, 'api_request.headers', parameters);
      return { ...stored, secretHeaders: headers.secrets, config: { type, method: pick('method', prior?.method) ?? 'GET', url, headers: headers.list, body, parameters } };
    }
    case 'function': {
      const prior = was?.type === type ? was : undefined;
      const parameters = checkParameters(pick<ParameterInput[]>('parameters', prior?.parameters) ?? [], 'function.parameters');
      const serverUrl = pick<string>('server_url', prior?.serverUrl);
      if (!serverUrl) throw invalidArgument('function.server_url is required', { field: 'function.server_url' });
      checkUrl(serverUrl, 'function.server_url', []);
      if (serverUrl.includes('{{')) throw invalidArgument('function.server_url: placeholders are not allowed here', { field: 'function.server_url' });
      const headers = checkHeaders(pick<HeaderInput[]>('headers', undefined), prior?.headers, current?.secretHeaders ?? {}, 'function.headers', parameters);
      return { ...stored, secretHeaders: headers.secrets, config: { type, serverUrl, headers: headers.list, parameters } };
    }
  }
}

const trimmed = (v: string | null | undefined): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** The value, refused (naming the field) when longer than `max`. */
function limit<T extends string | null | undefined>(value: T, max: number, field: string): T {
  if (typeof value === 'string' && value.length > max) throw invalidArgument(`${field} must be at most ${max} characters`, { field });
  return value;
}

function checkParameters(list: readonly (ParameterInput | ToolParameter)[], field: string): ToolParameter[] {
  if (list.length > 20) throw invalidArgument(`${field}: at most 20 parameters`, { field });
  return list.map((p, i) => {
    const at = `${field}[${i}]`;
    if (!IDENTIFIER.test(p.name)) throw invalidArgument(`${at}.name must be an identifier (letters, digits, "_"; not starting with a digit)`, { field: `${at}.name` });
    if ((CONTEXT_VARIABLES as readonly string[]).includes(p.name))
      throw invalidArgument(`${at}.name "${p.name}" is a call variable filled by the runtime`, { field: `${at}.name` });
    if (list.findIndex((o) => o.name === p.name) !== i) throw invalidArgument(`${at}.name repeats "${p.name}"`, { field: `${at}.name` });
    limit(p.description, 500, `${at}.description`);
    if ((p.options?.length ?? 0) > 50) throw invalidArgument(`${at}.options: at most 50`, { field: `${at}.options` });
    for (const [n, o] of (p.options ?? []).entries()) limit(o, 200, `${at}.options[${n}]`);
    const options = p.type === 'dropdown' ? [...new Set((p.options ?? []).map((o) => o.trim()).filter(Boolean))] : undefined;
    if (p.type === 'dropdown' && (!options || options.length === 0)) throw invalidArgument(`${at}.options: a dropdown needs at least one option`, { field: `${at}.options` });
    if (p.type !== 'dropdown' && p.options?.length) throw invalidArgument(`${at}.options: only a dropdown has options`, { field: `${at}.options` });
    return { name: p.name, type: p.type, description: p.description?.trim() ?? '', required: p.required ?? true, ...(options ? { options } : {}) };
  });
}

/** https, a public host written out (no placeholder before the path), no literal private address. */
function checkUrl(url: string, field: string, parameters: readonly ToolParameter[]): void {
  if (url.length > 2000) throw invalidArgument(`${field} must be at most 2000 characters`, { field });
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '';
  if (authority.includes('{{')) throw invalidArgument(`${field}: placeholders may not stand in the host; put them in the path or query`, { field });
  checkPlaceholders(url, field, parameters);
  // Placeholders filled with a neutral value, so the URL parses as it will once filled.
  const sample = url.replace(PLACEHOLDER, 'x');
  if (!isPublicHttpsUrl(sample)) {
    throw invalidArgument(`${field} must be an https:// URL to a public host, without a user name or password (no loopback, private, link-local or metadata address)`, { field });
  }
}

function checkPlaceholders(text: string, field: string, parameters: readonly ToolParameter[]): void {
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1]!;
    if (!parameters.some((p) => p.name === name) && !(CONTEXT_VARIABLES as readonly string[]).includes(name)) {
      throw invalidArgument(`${field}: placeholder {{${name}}} is neither a parameter of this tool nor one of ${CONTEXT_VARIABLES.join(', ')}`, { field });
    }
  }
}

/**
 * The header list to store and the secret values apart. Absent `given` keeps the current list; a
 * listed header without a value keeps its stored value (so a client can edit others without the secret).
 */
function checkHeaders(
  given: readonly HeaderInput[] | undefined,
  prior: readonly ToolHeader[] | undefined,
  priorSecrets: Record<string, string>,
  field: string,
  parameters: readonly ToolParameter[],
): { list: ToolHeader[]; secrets: Record<string, string> } {
  if (given === undefined) {
    const list = (prior ?? []).map((h) => (h.secret ? { ...h, value: null } : h));
    return { list, secrets: Object.fromEntries(list.filter((h) => h.secret).map((h) => [h.name, priorSecrets[h.name] ?? ''])) };
  }
  if (given.length > 20) throw invalidArgument(`${field}: at most 20 headers`, { field });
  const list: ToolHeader[] = [];
  const secrets: Record<string, string> = {};
  given.forEach((h, i) => {
    const at = `${field}[${i}]`;
    if (!HEADER_NAME.test(h.name) || FORBIDDEN_HEADERS.has(h.name.toLowerCase())) throw invalidArgument(`${at}.name is not a header that can be set`, { field: `${at}.name` });
    if (given.findIndex((o) => o.name.toLowerCase() === h.name.toLowerCase()) !== i) throw invalidArgument(`${at}.name repeats "${h.name}"`, { field: `${at}.name` });
    const old = prior?.find((p) => p.name.toLowerCase() === h.name.toLowerCase());
    const secret = SECRET_HEADER.test(h.name) || (h.secret ?? old?.secret ?? false);
    let value = h.value;
    if (value === undefined) {
      if (!old) throw invalidArgument(`${at}.value is required for a new header`, { field: `${at}.value` });
      value = old.secret ? (priorSecrets[old.name] ?? '') : (old.value ?? '');
    }
    if (value.length > 4000 || /[\r\n\0]/.test(value)) throw invalidArgument(`${at}.value must be one line of at most 4000 characters`, { field: `${at}.value` });
    if (!secret) checkPlaceholders(value, `${at}.value`, parameters);
    if (secret) secrets[h.name] = value;
    list.push({ name: h.name, value: secret ? null : value, secret });
  });
  return { list, secrets };
}
