import { ErrorBanner, Loading, Section } from '../components/status';
import { api } from '../lib/api';
import { count } from '../lib/format';
import { usePoll } from '../lib/poll';
import { queueRows } from '../lib/queues';
import type { Queues } from '../lib/types';

export function QueuesPage() {
  const queues = usePoll(() => api<Queues>('/queues'), 3000, 'queues');
  const data = queues.data;
  const brokerError = data && !Array.isArray(data.broker) ? data.broker.error : null;
  const rows = data ? queueRows(data) : [];
  return (
    <>
      <h1>Queues</h1>
      <p class="muted">
        The ledger (crawling_queues) knows every task: WAITING entries are published once due, PROCESSING ones
        are in the broker or with a worker. Drift is PROCESSING minus the broker's ready messages: the tasks
        being worked on, plus any lost in transit (they come back after their lease). A drift that grows and
        never shrinks means trouble.
      </p>
      <ErrorBanner error={queues.error} />
      {brokerError && (
        <p class="error" role="alert">
          Broker: {brokerError}
        </p>
      )}
      {!data ? (
        <Loading what="queue depths" />
      ) : (
        <Section title="Task queues per stage and tier">
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Stage</th>
                  <th scope="col">Tier</th>
                  <th scope="col" class="num">
                    Ledger WAITING
                  </th>
                  <th scope="col" class="num">
                    of them due
                  </th>
                  <th scope="col" class="num">
                    Ledger PROCESSING
                  </th>
                  <th scope="col">Broker queue</th>
                  <th scope="col" class="num">
                    Ready messages
                  </th>
                  <th scope="col" class="num">
                    Consumers
                  </th>
                  <th scope="col" class="num">
                    Drift
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.queue}>
                    <th scope="row">{row.stage}</th>
                    <td>{row.tier}</td>
                    <td class="num">{count(row.waiting)}</td>
                    <td class="num">{count(row.due)}</td>
                    <td class="num">{count(row.processing)}</td>
                    <td class="mono">{row.queue}</td>
                    <td class="num">{count(row.ready)}</td>
                    <td class="num">{count(row.consumers)}</td>
                    <td class={`num ${row.drift !== null && row.drift !== 0 ? 'warn' : ''}`}>
                      {row.drift === null ? '—' : row.drift > 0 ? `+${row.drift}` : row.drift}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      )}
      {data && Array.isArray(data.broker) && (
        <Section title="Other broker queues">
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Queue</th>
                  <th scope="col" class="num">
                    Messages
                  </th>
                  <th scope="col" class="num">
                    Consumers
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.broker
                  .filter((queue) => !rows.some((row) => row.queue === queue.queue))
                  .map((queue) => (
                    <tr key={queue.queue}>
                      <td class="mono">{queue.queue}</td>
                      <td class="num">
                        {queue.error ? <span class="warn">{queue.error}</span> : count(queue.messages)}
                      </td>
                      <td class="num">{count(queue.consumers)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        </Section>
      )}
    </>
  );
}
