import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export const TASK_DATA_KINDS = ['PAYLOAD', 'OUTPUT'] as const;

/**
 * A task's input or output too large for its TEXT column, whole and gzip; the column holds a stub
 * naming it (docs/adr/0011). No foreign key: archived tasks keep theirs.
 */
@Entity({ name: 'task_data' })
@Index('idx_task_data_job', ['jobId'])
export class TaskDataEntry {
  @PrimaryColumn({ name: 'task_id', type: 'bigint' })
  taskId!: string;

  @PrimaryColumn({ name: 'kind', type: 'enum', enum: TASK_DATA_KINDS })
  kind!: (typeof TASK_DATA_KINDS)[number];

  @Column({ name: 'job_id', type: 'bigint' })
  jobId!: string;

  @Column({ name: 'body_gzip', type: 'longblob' })
  bodyGzip!: Buffer;

  @Column({ name: 'body_bytes', type: 'int' })
  bodyBytes!: number;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;
}
