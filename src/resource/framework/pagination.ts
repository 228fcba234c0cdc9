// Offset pagination for list tools (tools.md "Common rules"): `limit` 1–100 and `offset` ≥ 0 in;
// `count`, `limit`, `offset`, `has_more` and `next_offset` out. Repositories fetch one row more
// than asked, which tells whether another page exists without a count query.
import { z } from 'zod';

export const paginationInput = (defaultLimit: number) => ({
  limit: z.number().int().min(1).max(100).default(defaultLimit).describe(`Page size, 1–100 (default ${defaultLimit}).`),
  offset: z.number().int().min(0).default(0).describe('Items to skip; for the next page, the last result’s `next_offset`.'),
});

export const paginationOutput = {
  count: z.number().int().describe('How many items this page holds.'),
  limit: z.number().int().describe('The page size that was applied.'),
  offset: z.number().int().describe('How many items were skipped before this page.'),
  has_more: z.boolean().describe('True when more items follow this page.'),
  next_offset: z.number().int().nullable().describe('The `offset` for the next page, or null when nothing follows.'),
};

export interface Page<T> {
  items: T[];
  count: number;
  limit: number;
  offset: number;
  has_more: boolean;
  next_offset: number | null;
}

/** `rows` as fetched with `limit + 1`: the extra row only says that more follow. */
export function toPage<T>(rows: T[], limit: number, offset: number): Page<T> {
  const items = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return { items, count: items.length, limit, offset, has_more: hasMore, next_offset: hasMore ? offset + limit : null };
}

/** The pagination fields of a list tool's result. */
export function pageFields(page: Page<unknown>): Omit<Page<unknown>, 'items'> {
  return { count: page.count, limit: page.limit, offset: page.offset, has_more: page.has_more, next_offset: page.next_offset };
}

/** The first line of a list tool's text: "3 calls; more from offset 20." */
export function pageHeadline(page: Page<unknown>, noun: string): string {
  return `${page.count} ${noun}${page.count === 1 ? '' : 's'}${page.has_more ? `; more from offset ${page.next_offset}` : ''}.`;
}
