export type Row = Record<string, unknown> & { id: string };

/** Ids as strings and JSON columns parsed: the shape every resource of the API has. */
export function normalise(row: Record<string, unknown>, jsonColumns: readonly string[] = []): Row {
  const out: Record<string, unknown> = { ...row };
  for (const key of Object.keys(out)) {
    if ((key === 'id' || key.endsWith('_id')) && out[key] !== null && out[key] !== undefined)
      out[key] = String(out[key]);
  }
  for (const column of jsonColumns) {
    if (typeof out[column] === 'string') {
      try {
        out[column] = JSON.parse(out[column] as string);
      } catch {
        // kept as text
      }
    }
  }
  return out as Row;
}
