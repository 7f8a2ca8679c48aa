export { JobsRepository, type JobForProgress, type NewJobRow, type PendingJob } from './jobs.repository';
export { OutboxRepository } from './outbox.repository';
