// Lead tools.
import type { AnyTool } from '../../framework/tool.js';
import { getLead } from './get_lead.js';
import { listLeads } from './list_leads.js';
import { upsertLead } from './upsert_lead.js';

export const LEAD_TOOLS: readonly AnyTool[] = [listLeads, getLead, upsertLead];
