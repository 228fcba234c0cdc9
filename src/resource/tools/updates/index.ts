import type { AnyTool } from '../../framework/tool.js';
import { requestKaicallsUpdate } from './request_kaicalls_update.js';

export const UPDATE_TOOLS: readonly AnyTool[] = [requestKaicallsUpdate];
