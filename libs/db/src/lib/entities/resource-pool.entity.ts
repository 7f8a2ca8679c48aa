import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Named slots shared by the workflows whose parallel_execution_config names the pool. */
@Entity({ name: 'resource_pools' })
export class ResourcePool {
  @PrimaryColumn({ name: 'name', type: 'varchar', length: 50 })
  name!: string;

  @Column({ name: 'slots', type: 'int' })
  slots!: number;

  @CreateDateColumn({
    name: 'created_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;

  @UpdateDateColumn({
    name: 'updated_at',
    type: 'timestamp',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
    onUpdate: 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;
}
