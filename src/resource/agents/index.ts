// Agent tools.
import type { AnyTool } from '../tool.js';
import { listAgents } from './list_agents.js';

export const AGENT_TOOLS: readonly AnyTool[] = [listAgents];
