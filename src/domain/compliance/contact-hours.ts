// Quiet hours: outbound contact is allowed only inside a daily window of the recipient's local
// time. The default 08:00–21:00 is the TCPA's window: 47 CFR 64.1200(c)(1) forbids telephone
// solicitation before 8 a.m. or after 9 p.m. local time at the called party's location.
export interface ContactHours {
  /** Minutes after local midnight, inclusive. */
  readonly start: number;
  /** Minutes after local midnight, exclusive (1440 = midnight at the end of the day). */
  readonly end: number;
}

/** Minutes after midnight of `at` on the wall clock of `timeZone`. */
export function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  return hour * 60 + minute;
}

export const formatMinutes = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

export interface ContactHoursVerdict {
  readonly allowed: boolean;
  /** The local time in each zone considered, for the refusal message and the audit. */
  readonly localTimes: readonly { zone: string; time: string }[];
}

/** Allowed only when `at` falls inside the window in every zone the recipient may be in. */
export function checkContactHours(at: Date, zones: readonly string[], hours: ContactHours): ContactHoursVerdict {
  const localTimes = zones.map((zone) => ({ zone, minutes: localMinutes(at, zone) }));
  return {
    allowed: localTimes.every(({ minutes }) => minutes >= hours.start && minutes < hours.end),
    localTimes: localTimes.map(({ zone, minutes }) => ({ zone, time: formatMinutes(minutes) })),
  };
}
