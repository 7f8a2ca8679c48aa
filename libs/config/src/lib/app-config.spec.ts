import { loadConfig } from './app-config';
import { ConfigError } from './config-error';

describe('API_BODY_LIMIT_BYTES', () => {
  const limit = (value?: string): number =>
    loadConfig('orchestrator', value === undefined ? {} : { API_BODY_LIMIT_BYTES: value }).apiBodyLimitBytes;

  it('defaults to 1 MiB and takes a whole number of bytes', () => {
    expect(limit()).toBe(1_048_576);
    expect(limit('')).toBe(1_048_576);
    expect(limit('2097152')).toBe(2_097_152);
  });

  it('refuses a value that is not a byte count within 1 KiB..16 MiB, naming the setting', () => {
    for (const value of ['1mb', '-1', '1023', '16777217']) {
      expect(() => limit(value)).toThrow(ConfigError);
      expect(() => limit(value)).toThrow(/^API_BODY_LIMIT_BYTES: /);
    }
  });
});
