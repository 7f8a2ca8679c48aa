export { ExecutionsRepository } from './executions.repository';
