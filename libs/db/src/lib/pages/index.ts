export { FrontierRepository } from './frontier.repository';
export { PagesRepository, type SavedPage, type StoredPage } from './pages.repository';
export {
  UrlValidators,
  urlHash,
  type KeptPage,
  type NewValidators,
  type StoredValidators,
} from './url-validators';
