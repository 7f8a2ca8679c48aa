export {
  createTestDatabase,
  emptyTables,
  itOnMysql,
  onMysql,
  testDialect,
  type TestDatabase,
} from './test-database';
export { insertWorkflow, insertJob, insertSource, insertWorkflowWithDefinition } from './builders';
export { testAmqpUrl, testBusIsMemory } from './services';
export { connectTestBroker, createTestVhost, describeOnRabbitMq, type TestVhost } from './test-broker';
export {
  startOrchestratorSide,
  startWorkerSide,
  taskBatch,
  type OrchestratorSide,
  type WorkerSide,
} from './transport-harness';
export { waitFor, holdsFor, type WaitForOptions } from './wait-for';
export { stopBroker, startBroker } from './broker-control';
export { startFixture, type FixtureProcess } from './fixture-process';
export {
  spawnNode,
  killAllSpawned,
  processExists,
  freePort,
  freePortRange,
  type ProcessExit,
  type SpawnedProcess,
  type SpawnNodeOptions,
} from './process';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export {
  startEngineSide,
  testFetchSettings,
  startStepWorkers,
  type EngineSide,
  type StepWorkers,
} from './engine-harness';
export { startRoutedServer, taskFailure, type RouteHandler, type RoutedServer } from './routed-server';
export { seedLargeLedger, CLAIM_QUERY } from './large-ledger';
export {
  CLUSTER_APPS,
  startAppCluster,
  startStandalone,
  type ClusterApp,
  type AppCluster,
  type StandaloneProcess,
} from './app-cluster';
export { killDatabase, startDatabase } from './database-control';
export { testDbModule } from './test-db-module';
