// Analytics tools.
import type { AnyTool } from '../../framework/tool.js';
import { getAnalytics } from './get_analytics.js';

export const ANALYTICS_TOOLS: readonly AnyTool[] = [getAnalytics];
