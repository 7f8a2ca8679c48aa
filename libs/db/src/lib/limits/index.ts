export { AdmissionRepository } from './admission.repository';
