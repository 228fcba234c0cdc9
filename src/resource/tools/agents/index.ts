// Agent tools.
import type { AnyTool } from '../../framework/tool.js';
import { getOperationalSettings } from './get_operational_settings.js';
import { configureAgentBusinessRules } from './configure_agent_business_rules.js';
import { listAgents } from './list_agents.js';
import { updateAgentConfig } from './update_agent_config.js';

export const AGENT_TOOLS: readonly AnyTool[] = [listAgents, getOperationalSettings, updateAgentConfig, configureAgentBusinessRules];
