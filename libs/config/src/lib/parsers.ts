import { isIP } from 'node:net';
import { ConfigError } from './config-error';

type Env = Readonly<Record<string, string | undefined>>;

/** Empty strings count as unset: `FOO= npm start` should not turn a number into NaN. */
export function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `expected a whole number, got "${value}"`);
  const parsed = Number(value);
  if (parsed < min || parsed > max) throw new ConfigError(name, `expected ${min}..${max}, got ${parsed}`);
  return parsed;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(name, `expected true or false, got "${value}"`);
}

export function url(env: Env, name: string, fallback: string, protocols: readonly string[]): URL {
  const value = raw(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${redact(value)}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(
      name,
      `expected a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL, got "${redact(value)}"`,
    );
  }
  if (!parsed.hostname) throw new ConfigError(name, `the URL names no host: "${redact(value)}"`);
  return parsed;
}

/** Host names, IP addresses or CIDR blocks, comma-separated. */
export function hostList(env: Env, name: string): string[] {
  const value = raw(env, name);
  if (value === undefined) return [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    if (prefix !== undefined) {
      const family = isIP(address);
      const bits = Number(prefix);
      const max = family === 6 ? 128 : 32;
      if (extra !== undefined || family === 0 || !/^\d+$/.test(prefix) || bits > max) {
        throw new ConfigError(name, `"${entry}" is not a valid CIDR block`);
      }
    } else if (
      isIP(entry) === 0 &&
      !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)
    ) {
      throw new ConfigError(name, `"${entry}" is not a host name, address or CIDR block`);
    }
  }
  return entries;
}

/** Hides the password of a URL so that an error message never prints a secret. */
export function redact(value: string): string {
  return value.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
