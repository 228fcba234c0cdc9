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
