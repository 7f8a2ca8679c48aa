export { appFoundation } from './lib/app-foundation';
export { useBodyLimit } from './lib/bootstrap/body-limit';
export { bootstrap, type BootstrapConfig } from './lib/bootstrap/bootstrap';
