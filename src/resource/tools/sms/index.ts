// Text-message tools.
import type { AnyTool } from '../../framework/tool.js';
import { listSmsMessages } from './list_sms_messages.js';
import { sendSms } from './send_sms.js';

export const SMS_TOOLS: readonly AnyTool[] = [listSmsMessages, sendSms];
