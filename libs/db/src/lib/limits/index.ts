export { AdmissionRepository } from './admission.repository';
export { ParallelismRepository, type WorkflowLimits } from './parallelism.repository';
