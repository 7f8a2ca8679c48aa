export { ItemsRepository, type ItemRow, type StoredItem } from './items.repository';
