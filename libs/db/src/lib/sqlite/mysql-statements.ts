/**
 * Statement-level rewrites: MySQL's upsert and multi-table UPDATE in SQLite's forms, JSON_TABLE as
 * a json_each subquery, enum ordering, and session statements (SET …) that mean nothing to an
 * embedded database.
 */
import { sqliteString, type Token } from './sql-lexer';
import {
  argsOf,
  call,
  closeOf,
  findTopLevel,
  isPunct,
  isWord,
  num,
  p,
  s,
  splitTopLevel,
  UntranslatableSqlError,
  w,
} from './token-tools';

/**
 * `ON DUPLICATE KEY UPDATE a = VALUES(a)` → `ON CONFLICT DO UPDATE SET a = excluded.a`. Without a
 * conflict target (SQLite ≥ 3.35) the clause fires on a conflict with any unique index or the
 * primary key, as MySQL's does, so no target is needed. An INSERT … SELECT needs a WHERE before
 * it (SQLite's parser would read ON as a join constraint otherwise).
 */
export function rewriteUpsert(t: Token[]): Token[] {
  const at = findTopLevel(
    t,
    0,
    (token, i) =>
      isWord(token, 'ON') &&
      isWord(t[i + 1], 'DUPLICATE') &&
      isWord(t[i + 2], 'KEY') &&
      isWord(t[i + 3], 'UPDATE'),
  );
  if (at < 0) return t;
  const head = t.slice(0, at);
  const selectAt = findTopLevel(head, 0, (token) => isWord(token, 'SELECT'));
  if (selectAt >= 0 && findTopLevel(head, selectAt, (token) => isWord(token, 'WHERE')) < 0) {
    if (findTopLevel(head, selectAt, (token) => isWord(token, 'GROUP', 'ORDER', 'LIMIT', 'HAVING')) >= 0)
      throw new UntranslatableSqlError('INSERT … SELECT … GROUP BY/ORDER BY/LIMIT … ON DUPLICATE KEY UPDATE');
    head.push(w('WHERE'), w('true'));
  }
  const tail: Token[] = [];
  const rest = t.slice(at + 4);
  for (let i = 0; i < rest.length; i += 1) {
    if (
      isWord(rest[i], 'VALUES') &&
      isPunct(rest[i + 1], '(') &&
      (rest[i + 2]?.kind === 'word' || rest[i + 2]?.kind === 'ident') &&
      isPunct(rest[i + 3], ')')
    ) {
      tail.push(w('excluded'), p('.'), rest[i + 2]);
      i += 3;
    } else tail.push(rest[i]);
  }
  return [...head, w('ON'), w('CONFLICT'), w('DO'), w('UPDATE'), w('SET'), ...tail];
}

const JOIN_WORDS = ['JOIN', 'INNER', 'CROSS', 'LEFT'];

/**
 * `UPDATE t a JOIN src b ON c SET a.x = … WHERE w` → `UPDATE t AS a SET x = … FROM src AS b WHERE
 * (c) AND (w)` (SQLite ≥ 3.33). SQLite writes one table per UPDATE: a MySQL UPDATE that sets
 * columns of a joined table too has no form here.
 */
export function rewriteJoinedUpdate(t: Token[], sql: string): Token[] {
  if (!isWord(t[0], 'UPDATE')) return t;
  let i = 1;
  const table = t[i];
  i += 1;
  if (isWord(t[i], 'AS')) i += 1;
  let alias: Token = table;
  if (t[i] && (t[i].kind === 'word' || t[i].kind === 'ident') && !isWord(t[i], 'SET', ...JOIN_WORDS)) {
    alias = t[i];
    i += 1;
  }
  if (!isWord(t[i], ...JOIN_WORDS) && !isPunct(t[i], ',')) return t;
  const setAt = findTopLevel(t, i, (token) => isWord(token, 'SET'));
  if (setAt < 0) return t;
  const whereAt = findTopLevel(t, setAt, (token) => isWord(token, 'WHERE'));
  const sources = t.slice(i, setAt);
  const assignments = t.slice(setAt + 1, whereAt < 0 ? t.length : whereAt);
  const where = whereAt < 0 ? [] : t.slice(whereAt + 1);
  if (findTopLevel(where, 0, (token) => isWord(token, 'ORDER', 'LIMIT')) >= 0)
    throw new UntranslatableSqlError('UPDATE … JOIN … ORDER BY/LIMIT', sql);

  // The first join's ON becomes a WHERE condition: FROM takes a table list, not a join on `t`.
  let from: Token[];
  let firstOn: Token[] = [];
  if (isPunct(sources[0], ',')) from = sources.slice(1);
  else {
    let j = 0;
    while (isWord(sources[j], ...JOIN_WORDS)) j += 1;
    const onAt = findTopLevel(sources, j, (token) => isWord(token, 'ON'));
    if (onAt < 0) from = sources.slice(j);
    else {
      const nextJoin = findTopLevel(sources, onAt, (token) => isWord(token, ...JOIN_WORDS));
      from = [...sources.slice(j, onAt), ...(nextJoin < 0 ? [] : sources.slice(nextJoin))];
      firstOn = sources.slice(onAt + 1, nextJoin < 0 ? sources.length : nextJoin);
    }
  }
  const set = splitTopLevel(assignments).flatMap((assignment, index) => {
    const target = assignment[0];
    let rest = assignment;
    if (isPunct(assignment[1], '.')) {
      if (target.text !== alias.text)
        throw new UntranslatableSqlError('an UPDATE … JOIN that writes two tables', sql);
      rest = assignment.slice(2);
    }
    return index > 0 ? [p(','), ...rest] : rest;
  });
  const conditions = [firstOn, where].filter((c) => c.length > 0);
  return [
    w('UPDATE'),
    table,
    w('AS'),
    alias,
    w('SET'),
    ...set,
    w('FROM'),
    ...from,
    ...(conditions.length > 0
      ? [w('WHERE'), ...conditions.flatMap((c, k) => [...(k > 0 ? [w('AND')] : []), p('('), ...c, p(')')])]
      : []),
  ];
}

/**
 * `SET …`: session settings of MySQL. FOREIGN_KEY_CHECKS becomes the pragma (which SQLite ignores
 * inside a transaction); the others (time zone, isolation, lock waits) have no meaning here.
 */
export function rewriteSessionStatement(t: Token[]): Token[] | undefined {
  if (!isWord(t[0], 'SET')) return undefined;
  const name = t.find(
    (token, i) => i > 0 && token.kind === 'word' && !isWord(token, 'SESSION', 'GLOBAL', 'LOCAL'),
  );
  if (isWord(name, 'FOREIGN_KEY_CHECKS')) {
    const value = t[t.length - 1];
    return [w('PRAGMA'), w('foreign_keys'), p('='), w(value?.text === '0' ? 'OFF' : 'ON')];
  }
  return [w('SELECT'), w('NULL'), w('WHERE'), w('0')];
}

/**
 * JSON_TABLE(?, '$[*]' COLUMNS (name TYPE PATH '$[i]', …)) → a subquery over json_each: the rows
 * of a JSON array as a derived table.
 */
export function rewriteJsonTable(t: Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < t.length; i += 1) {
    if (!(isWord(t[i], 'JSON_TABLE') && isPunct(t[i + 1], '('))) {
      out.push(t[i]);
      continue;
    }
    const { args, close } = argsOf(t, i + 1);
    const [document, rest] = [args[0], args.slice(1).flat()];
    const rootPath = rest[0]?.kind === 'string' ? rest[0].text : "'$[*]'";
    const columnsAt = rest.findIndex((token) => isWord(token, 'COLUMNS'));
    if (columnsAt < 0 || !isPunct(rest[columnsAt + 1], '('))
      throw new UntranslatableSqlError('JSON_TABLE without COLUMNS');
    const definitions = splitTopLevel(rest.slice(columnsAt + 2, closeOf(rest, columnsAt + 1)));
    const select: Token[] = [];
    definitions.forEach((definition, index) => {
      if (index > 0) select.push(p(','));
      select.push(...jsonColumn(definition), w('AS'), definition[0]);
    });
    const base = rootPath.replace(/\[\*\]'$/, "'");
    const each = base === "'$'" ? call('json_each', document) : call('json_each', document, [s(base)]);
    out.push(p('('), w('SELECT'), ...select, w('FROM'), ...each, p(')'));
    i = close;
  }
  return out;
}

function jsonColumn(definition: readonly Token[]): Token[] {
  if (isWord(definition[1], 'FOR') && isWord(definition[2], 'ORDINALITY'))
    return [w('key'), p('+'), num('1')];
  const pathAt = definition.findIndex((token) => isWord(token, 'PATH'));
  const path = definition[pathAt + 1];
  if (pathAt < 0 || path?.kind !== 'string')
    throw new UntranslatableSqlError('a JSON_TABLE column without PATH');
  const type = definition[1]?.upper ?? '';
  const extract = call('json_extract', [w('value')], [path]);
  if (/INT$/.test(type) || type === 'INTEGER')
    return [w('CAST'), p('('), ...extract, w('AS'), w('INTEGER'), p(')')];
  if (['DOUBLE', 'FLOAT', 'DECIMAL', 'REAL'].includes(type))
    return [w('CAST'), p('('), ...extract, w('AS'), w('REAL'), p(')')];
  return extract;
}

/** ORDER BY an enum column: MySQL sorts by the enum's declaration order, SQLite by the text. */
export function rewriteEnumOrder(t: Token[], enumOrder: ReadonlyMap<string, readonly string[]>): Token[] {
  if (enumOrder.size === 0) return t;
  const out: Token[] = [];
  for (let i = 0; i < t.length; i += 1) {
    out.push(t[i]);
    if (!(isWord(t[i], 'ORDER') && isWord(t[i + 1], 'BY'))) continue;
    out.push(t[i + 1]);
    const from = i + 2;
    let end = findTopLevel(
      t,
      from,
      (token) =>
        isPunct(token, ')') ||
        isPunct(token, ';') ||
        isWord(token, 'LIMIT', 'OFFSET', 'FOR', 'LOCK', 'UNION'),
    );
    if (end < 0) end = t.length;
    const items = splitTopLevel(t.slice(from, end));
    items.forEach((item, index) => {
      if (index > 0) out.push(p(','));
      out.push(...enumItem(item, enumOrder));
    });
    i = end - 1;
  }
  return out;
}

function enumItem(item: Token[], enumOrder: ReadonlyMap<string, readonly string[]>): Token[] {
  let refEnd = 1;
  while (isPunct(item[refEnd], '.') && item[refEnd + 1]) refEnd += 2;
  const last = item[refEnd - 1];
  if (!last || (last.kind !== 'word' && last.kind !== 'ident')) return item;
  if (refEnd < item.length && !isWord(item[refEnd], 'ASC', 'DESC', 'NULLS', 'COLLATE')) return item;
  const values = enumOrder.get(last.text.replace(/^[`"]|[`"]$/g, '').toLowerCase());
  if (!values) return item;
  const ref = item.slice(0, refEnd);
  const cases = values.flatMap((value, index) => [
    w('WHEN'),
    s(sqliteString(value)),
    w('THEN'),
    num(String(index)),
  ]);
  return [w('CASE'), ...ref, ...cases, w('END'), ...item.slice(refEnd)];
}
