import { expectOneOf, expectRecord, expectString, SchemaError, type Json } from '../validation';
import { checkRegex, expectField, parseTemplate, rejectUnknown } from './config-fields';
import type { TransformConfig, TransformOperation } from './definition.types';

/** A TRANSFORM step's config: its operations, in the order they run on each record. */
export function parseTransformConfig(config: Record<string, unknown>, path: string): TransformConfig {
  rejectUnknown(config, ['operations'], path);
  if (!Array.isArray(config.operations))
    throw new SchemaError(`${path}.operations`, 'expected an array of operations');
  return {
    operations: config.operations.map((raw, i): TransformOperation => {
      const at = `${path}.operations[${i}]`;
      const op = expectRecord(raw, at);
      const kind = expectOneOf(op.op, `${at}.op`, [
        'rename',
        'trim',
        'regex_replace',
        'to_number',
        'template',
        'default',
        'drop',
      ] as const);
      switch (kind) {
        case 'rename':
          rejectUnknown(op, ['op', 'from', 'to'], at);
          return { op: kind, from: expectField(op.from, `${at}.from`), to: expectField(op.to, `${at}.to`) };
        case 'regex_replace': {
          rejectUnknown(op, ['op', 'field', 'pattern', 'replacement', 'flags'], at);
          const pattern = expectString(op.pattern, `${at}.pattern`, 500);
          const flags = op.flags === undefined ? 'g' : expectString(op.flags, `${at}.flags`, 10);
          checkRegex(pattern, flags, `${at}.pattern`, `${at}.flags`);
          return {
            op: kind,
            field: expectField(op.field, `${at}.field`),
            pattern,
            replacement:
              op.replacement === undefined ? '' : expectString(op.replacement, `${at}.replacement`, 1000),
            flags,
          };
        }
        case 'template':
          rejectUnknown(op, ['op', 'field', 'template'], at);
          return {
            op: kind,
            field: expectField(op.field, `${at}.field`),
            template: parseTemplate(op.template, `${at}.template`),
          };
        case 'default':
          rejectUnknown(op, ['op', 'field', 'value'], at);
          if (!('value' in op)) throw new SchemaError(`${at}.value`, 'required');
          return { op: kind, field: expectField(op.field, `${at}.field`), value: op.value as Json };
        default:
          rejectUnknown(op, ['op', 'field'], at);
          return { op: kind, field: expectField(op.field, `${at}.field`) };
      }
    }),
  };
}
