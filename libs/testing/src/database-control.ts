import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { waitFor } from './wait-for';

const run = promisify(execFile);

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Kills this machine's MariaDB with SIGKILL (a crash: no clean shutdown), and waits until its port
 * is closed. The e2e tier runs serially, so no other test file uses it meanwhile.
 */
export async function killDatabase(): Promise<void> {
  await run('pkill', ['-KILL', '-x', 'mariadbd']).catch(() => undefined);
  await waitFor(async () => !(await portOpen(3306)), { timeoutMs: 30_000, what: 'MariaDB to go away' });
}

/** Starts it again (as CI does) and waits until it answers; safe when it runs already. */
export async function startDatabase(): Promise<void> {
  await run('mkdir', ['-p', '/run/mysqld']);
  await run('chown', ['mysql:mysql', '/run/mysqld']).catch(() => undefined);
  await run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd']);
  await waitFor(
    async () => {
      await run('mariadb', ['-uroot', '-h127.0.0.1', '-e', 'SELECT 1'], { timeout: 5000 });
      return true;
    },
    { timeoutMs: 120_000, intervalMs: 250, what: 'MariaDB to answer again' },
  );
}
