// Call tools (read side; placing calls lives with the telephony service).
import type { AnyTool } from '../tool.js';
import { checkCallStatus } from './check_call_status.js';
import { getTranscript } from './get_transcript.js';
import { listRecentCalls } from './list_recent_calls.js';

export const CALL_TOOLS: readonly AnyTool[] = [listRecentCalls, checkCallStatus, getTranscript];
