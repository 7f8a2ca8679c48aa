import { expectField, rejectUnknown } from './config-fields';
import type { StoreConfig } from './definition.types';

/** A STORE step's config: the record field whose value is the stored item's key. */
export function parseStoreConfig(config: Record<string, unknown>, path: string): StoreConfig {
  rejectUnknown(config, ['key'], path);
  return { key: expectField(config.key, `${path}.key`) };
}
