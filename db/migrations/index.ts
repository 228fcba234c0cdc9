// Every migration, in order. Names are date-prefixed and frozen once landed.
import type { Migration } from 'kysely';
import * as initial from './2026-11-21-001-initial.js';

export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-21-001-initial': initial,
};
