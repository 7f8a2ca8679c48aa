import { DEPENDENCY_TYPES, type DependencyType } from '@crawlflow/contracts';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation } from 'typeorm';
import { CrawlingJob } from './crawling-job.entity';

/** job_id waits for depends_on_job_id to finish (FINISH) or to succeed (SUCCESS). */
@Entity({ name: 'job_dependencies' })
@Index('idx_job_dependencies_depends_on', ['dependsOnJobId'])
export class JobDependency {
  @PrimaryColumn({ name: 'job_id', type: 'bigint' })
  jobId!: string;

  @PrimaryColumn({ name: 'depends_on_job_id', type: 'bigint' })
  dependsOnJobId!: string;

  // CASCADE on both sides: an edge means nothing once either job is gone.
  @ManyToOne(() => CrawlingJob, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'fk_job_dependencies_job' })
  job?: Relation<CrawlingJob>;

  @ManyToOne(() => CrawlingJob, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'depends_on_job_id', foreignKeyConstraintName: 'fk_job_dependencies_depends_on' })
  dependsOnJob?: Relation<CrawlingJob>;

  @Column({ name: 'dependency_type', type: 'enum', enum: DEPENDENCY_TYPES, default: 'SUCCESS' })
  dependencyType!: DependencyType;
}
