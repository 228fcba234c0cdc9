// Voicemail tools.
import type { AnyTool } from '../tool.js';
import { listVoicemails } from './list_voicemails.js';

export const VOICEMAIL_TOOLS: readonly AnyTool[] = [listVoicemails];
