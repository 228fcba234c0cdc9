// The account surface's tools (/api/mcp). Each area folder lists its tools in its index.ts; this
// file only concatenates them, in the order of the recommended first flow (tools.md): business →
// agents → calls. app.ts builds the registry from this list and hands it to every surface.
import { createToolRegistry } from '../framework/registry.js';
import type { AnyTool } from '../framework/tool.js';
import { AGENT_TOOLS } from './agents/index.js';
import { ANALYTICS_TOOLS } from './analytics/index.js';
import { APPOINTMENT_TOOLS } from './appointments/index.js';
import { BUSINESS_TOOLS } from './business/index.js';
import { CALL_TOOLS } from './calls/index.js';
import { CAMPAIGN_TOOLS } from './campaigns/index.js';
import { LEAD_TOOLS } from './leads/index.js';
import { NUMBER_TOOLS } from './numbers/index.js';
import { SETTINGS_TOOLS } from './settings/index.js';
import { SMS_TOOLS } from './sms/index.js';
import { UPDATE_TOOLS } from './updates/index.js';
import { VOICEMAIL_TOOLS } from './voicemails/index.js';

export const ACCOUNT_TOOLS: readonly AnyTool[] = Object.freeze([
  ...BUSINESS_TOOLS,
  ...AGENT_TOOLS,
  ...NUMBER_TOOLS,
  ...CALL_TOOLS,
  ...VOICEMAIL_TOOLS,
  ...LEAD_TOOLS,
  ...SMS_TOOLS,
  ...CAMPAIGN_TOOLS,
  ...ANALYTICS_TOOLS,
  ...APPOINTMENT_TOOLS,
  ...SETTINGS_TOOLS,
  ...UPDATE_TOOLS,
]);

/** The account surface's registry (immutable data: tests and the README table read it too). */
export const accountTools = createToolRegistry(ACCOUNT_TOOLS);

export const listTools = () => accountTools.list();
export const findTool = (name: string) => accountTools.find(name);
export const listToolSummaries = () => accountTools.summaries();
export const toolsForScope = accountTools.forScope;
