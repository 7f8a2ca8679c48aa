export { appFoundation } from './lib/app-foundation';
export { useBodyLimit } from './lib/bootstrap/body-limit';
export { bootstrap, type BootstrapConfig } from './lib/bootstrap/bootstrap';
export { databaseLabel } from './lib/bootstrap/database-label';
export { prepareStandalone, startupProblem } from './lib/standalone/prepare-standalone';
