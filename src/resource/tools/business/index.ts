// Business-level tools.
import type { AnyTool } from '../../framework/tool.js';
import { getBusinessInfo } from './get_business_info.js';

export const BUSINESS_TOOLS: readonly AnyTool[] = [getBusinessInfo];
