import { Module } from '@nestjs/common';
import { EngineService } from './engine.service';

/** The orchestrator's job engine over the task transport (needs Db, Messaging, Observability). */
@Module({ providers: [EngineService], exports: [EngineService] })
export class EngineModule {}
