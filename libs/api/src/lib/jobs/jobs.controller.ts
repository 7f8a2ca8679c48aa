import { cancelJob, pauseJob, resumeJob, retryJob } from '@crawlflow/engine';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiBodyOf } from '../http/field-table';
import { afterId, parsePageQuery } from '../http/pagination';
import { idParam, queryId, queryOneOf } from '../http/request-fields';
import { JOB_BODIES, parseJobRequest } from './job-request';
import { JOB_STATUSES, JobsService } from './jobs.service';

interface HeaderResponse {
  setHeader(name: string, value: string): unknown;
}

@ApiTags('jobs')
@ApiBearerAuth()
@Controller('api')
export class JobsController {
  constructor(
    @Inject(JobsService) private readonly jobs: JobsService,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}

  @Post('workflows/:id/jobs')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a job of the workflow (its current version); 202 with the job' })
  @ApiBodyOf(JOB_BODIES.url)
  async startForWorkflow(
    @Param('id') id: string,
    @Body() raw: unknown,
    @Res({ passthrough: true }) res: HeaderResponse,
  ) {
    const workflowId = idParam(id);
    const request = parseJobRequest(raw ?? undefined, 'body', 'url');
    const { job, created } = await this.jobs.start(workflowId, request);
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    return job;
  }

  @Post('jobs')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Start a job for a target; with workflow_id that workflow, without it the one its type mappings pick (422 when none matches)',
  })
  @ApiBodyOf(JOB_BODIES.id)
  async start(@Body() raw: unknown, @Res({ passthrough: true }) res: HeaderResponse) {
    const request = parseJobRequest(raw ?? undefined, 'body', 'id');
    const { job, created } = await this.jobs.start(request.workflowId, request);
    if (!created) res.setHeader('Idempotent-Replayed', 'true');
    return job;
  }

  @Get('jobs')
  @ApiQuery({ name: 'status', required: false, enum: [...JOB_STATUSES] })
  @ApiQuery({ name: 'workflow_id', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOperation({ summary: 'List jobs, newest first' })
  list(@Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    return this.jobs.list(
      page.limit,
      afterId(page),
      queryOneOf(query, 'status', JOB_STATUSES),
      queryId(query, 'workflow_id'),
    );
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'One job with its progress and latest execution' })
  get(@Param('id') id: string) {
    return this.jobs.get(idParam(id));
  }

  @Post('jobs/:id/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a job (409 when it has already finished)' })
  async cancel(@Param('id') id: string) {
    const jobId = idParam(id);
    await cancelJob(this.db, jobId);
    return this.jobs.getRow(jobId);
  }

  @Post('jobs/:id/pause')
  @HttpCode(202)
  @ApiOperation({ summary: 'Pause a running job' })
  async pause(@Param('id') id: string) {
    const jobId = idParam(id);
    await pauseJob(this.db, jobId);
    return this.jobs.getRow(jobId);
  }

  @Post('jobs/:id/resume')
  @HttpCode(202)
  @ApiOperation({ summary: 'Resume a paused job from its checkpoint' })
  async resume(@Param('id') id: string) {
    const jobId = idParam(id);
    await resumeJob(this.db, jobId);
    return this.jobs.getRow(jobId);
  }

  @Post('jobs/:id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a RETRY job for the failed tasks of a finished job; answers the new job' })
  async retry(@Param('id') id: string) {
    const { id: retryId } = await retryJob(this.db, idParam(id));
    return this.jobs.getRow(retryId);
  }

  @Get('jobs/:id/tasks')
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOperation({ summary: "The job's tasks" })
  tasks(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    return this.jobs.tasks(idParam(id), page.limit, afterId(page));
  }

  @Get('jobs/:id/items')
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOperation({
    summary: "The job's results: stored items, or its last step's records for a workflow without STORE",
  })
  items(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query);
    return this.jobs.items(idParam(id), page.limit, page.after);
  }
}
