import { InitialSchema1764374400000 } from './1764374400000-InitialSchema';
import { SchedulerPolicies1764460800000 } from './1764460800000-SchedulerPolicies';
import { WorkflowVersions1764547200000 } from './1764547200000-WorkflowVersions';
import { EngineState1764633600000 } from './1764633600000-EngineState';
import { JobArchive1764720000000 } from './1764720000000-JobArchive';
import { TaskLoopReliability1764806400000 } from './1764806400000-TaskLoopReliability';
import { LeaseExpiries1764892800000 } from './1764892800000-LeaseExpiries';

export { InitialSchema1764374400000 } from './1764374400000-InitialSchema';
export { SchedulerPolicies1764460800000 } from './1764460800000-SchedulerPolicies';
export { WorkflowVersions1764547200000 } from './1764547200000-WorkflowVersions';
export { EngineState1764633600000 } from './1764633600000-EngineState';
export { JobArchive1764720000000 } from './1764720000000-JobArchive';
export { TaskLoopReliability1764806400000 } from './1764806400000-TaskLoopReliability';
export { LeaseExpiries1764892800000 } from './1764892800000-LeaseExpiries';

/** In order of application; append only, never reorder or rename (the migrations table records names). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own option type
export const MIGRATIONS: Function[] = [
  InitialSchema1764374400000,
  SchedulerPolicies1764460800000,
  WorkflowVersions1764547200000,
  EngineState1764633600000,
  JobArchive1764720000000,
  TaskLoopReliability1764806400000,
  LeaseExpiries1764892800000,
];
