export { CatalogLookups, type TargetView } from './catalog-lookups.repository';
