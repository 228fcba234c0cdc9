// Agent tools: the agents themselves and the tools they can be given.
import type { AnyTool } from '../../framework/tool.js';
import { getOperationalSettings } from './get_operational_settings.js';
import { configureAgentBusinessRules } from './configure_agent_business_rules.js';
import { createAgent } from './create_agent.js';
import { createAgentTool } from './create_agent_tool.js';
import { deleteAgentTool } from './delete_agent_tool.js';
import { getAgent } from './get_agent.js';
import { getAgentTool } from './get_agent_tool.js';
import { listAgentTools } from './list_agent_tools.js';
import { listAgents } from './list_agents.js';
import { updateAgentConfig } from './update_agent_config.js';
import { updateAgentTool } from './update_agent_tool.js';

export const AGENT_TOOLS: readonly AnyTool[] = [
  listAgents,
  getAgent,
  getOperationalSettings,
  createAgent,
  updateAgentConfig,
  configureAgentBusinessRules,
  listAgentTools,
  getAgentTool,
  createAgentTool,
  updateAgentTool,
  deleteAgentTool,
];
