// Call tools: reading calls, and placing one (through the telephony service).
import type { AnyTool } from '../../framework/tool.js';
import { checkCallStatus } from './check_call_status.js';
import { getCallRecording } from './get_call_recording.js';
import { getTranscript } from './get_transcript.js';
import { listRecentCalls } from './list_recent_calls.js';
import { makeCall } from './make_call.js';

export const CALL_TOOLS: readonly AnyTool[] = [listRecentCalls, checkCallStatus, getTranscript, getCallRecording, makeCall];
