// Operational setup tools: staff alerts and textable links.
import type { AnyTool } from '../../framework/tool.js';
import { configureStaffAlerts } from './configure_staff_alerts.js';
import { configureTextableLinks } from './configure_textable_links.js';

export const SETTINGS_TOOLS: readonly AnyTool[] = [configureStaffAlerts, configureTextableLinks];
