// The one check of which addresses a client-chosen URL may not reach (CIMD fetches, transcript sinks).
import { describe, expect, it } from 'vitest';
import { isPublicHttpsUrl } from '../src/domain/updates/intents.js';
import { isNonPublicAddress } from '../src/shared/addresses.js';

describe('non-public addresses', () => {
  it('security: an IPv4-mapped IPv6 address is judged by its IPv4 address, in both spellings', () => {
    for (const a of ['::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::ffff:a00:1']) expect(isNonPublicAddress(a), a).toBe(true);
    for (const a of ['::ffff:8.8.8.8', '::ffff:808:808']) expect(isNonPublicAddress(a), a).toBe(false);
  });

  it('security: a transcript sink may not point at loopback, metadata or private addresses, however written', () => {
    for (const url of [
      'https://[::ffff:127.0.0.1]/hook',
      'https://[::ffff:7f00:1]/hook',
      'https://169.254.169.254/latest',
      'https://[::1]/',
      'https://198.51.100.7/',
      'https://[fd00::1]/',
    ])
      expect(isPublicHttpsUrl(url), url).toBe(false);
    expect(isPublicHttpsUrl('https://hooks.example.com/transcripts')).toBe(true);
  });
});
