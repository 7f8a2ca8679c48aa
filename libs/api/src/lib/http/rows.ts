import { scalarText } from '@crawlflow/contracts';

export type Row = Record<string, unknown> & { id: string };

/** Ids as strings and JSON columns parsed: the shape every resource of the API has. */
export function normalise(row: Record<string, unknown>, jsonColumns: readonly string[] = []): Row {
  const out: Record<string, unknown> = { ...row };
  for (const key of Object.keys(out)) {
    if ((key === 'id' || key.endsWith('_id')) && out[key] !== null && out[key] !== undefined)
      out[key] = scalarText(out[key]) ?? out[key];
  }
  for (const column of jsonColumns)
    if (typeof out[column] === 'string') out[column] = jsonOrText(out[column]);
  return out as Row;
}

/** A text column holding JSON, parsed; text that is not JSON (and anything else) as it is. */
export function jsonOrText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
