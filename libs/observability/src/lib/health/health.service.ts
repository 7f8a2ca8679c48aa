import { Inject, Injectable } from '@nestjs/common';
import { ReadinessCheck, ReadinessReport, runReadinessChecks } from './readiness';

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
export const READINESS_TIMEOUT_MS = Symbol('READINESS_TIMEOUT_MS');

@Injectable()
export class HealthService {
  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
    @Inject(READINESS_TIMEOUT_MS) private readonly timeoutMs: number,
  ) {}

  readiness(): Promise<ReadinessReport> {
    return runReadinessChecks(this.checks, this.timeoutMs);
  }
}
