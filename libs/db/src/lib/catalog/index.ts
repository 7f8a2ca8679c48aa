export { CatalogLookups, type TargetView } from './catalog-lookups.repository';
export { CatalogRepository, type IdPage, type MappingValues, type NewTargetRow } from './catalog.repository';
