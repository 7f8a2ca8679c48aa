import { startContainersIfAsked } from './containers';
import { assertServicesReachable } from './services';

declare global {
  // Jest hands globals from global setup to global teardown.
  var __crawlflowContainers: { stop(): Promise<void> } | undefined;
}

export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  globalThis.__crawlflowContainers = await startContainersIfAsked();
  await assertServicesReachable();
}
