// Voicemail tools.
import type { AnyTool } from '../../framework/tool.js';
import { listVoicemails } from './list_voicemails.js';

export const VOICEMAIL_TOOLS: readonly AnyTool[] = [listVoicemails];
