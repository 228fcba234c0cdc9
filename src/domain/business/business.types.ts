// The business as its own tools see it: identity plus the two figures get_business_info reports.

export interface BusinessSummary {
  id: string;
  name: string;
  timezone: string;
  phone: string | null;
  createdAt: Date;
  agentCount: number;
  callsLast30Days: number;
}

/** Slugs a business cannot take: the dashboard's own paths sit beside `/dashboard/<slug>`, so a
 * business with one of these slugs could never be reached there. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(['sign-in', 'sign-out', 'switch', 'assets', 'new']);
