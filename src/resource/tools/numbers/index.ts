// Phone number tools.
import type { AnyTool } from '../../framework/tool.js';
import { assignPhoneNumber } from './assign_phone_number.js';
import { getPhoneNumber } from './get_phone_number.js';
import { listPhoneNumbers } from './list_phone_numbers.js';

export const NUMBER_TOOLS: readonly AnyTool[] = [listPhoneNumbers, getPhoneNumber, assignPhoneNumber];
