import { In } from 'typeorm';
import { Db, managerOf, repositoryOf } from '../db';
import { OutboxEvent } from '../entities';

/** outbox_events: job events written with the change that caused them, relayed from here. */
export class OutboxRepository {
  static async add(db: Db, event: { exchange: string; routingKey: string; body: string }): Promise<void> {
    await repositoryOf(db, OutboxEvent).insert(event);
  }

  /**
   * Unpublished events in order, locked for the caller's transaction; other relays skip them.
   * SQL: SKIP LOCKED keeps replicas apart.
   */
  static async claimUnpublished(db: Db, limit: number): Promise<OutboxEvent[]> {
    const rows: Array<{ id: string; exchange: string; routing_key: string; body: string }> = await managerOf(
      db,
    ).query(
      `SELECT id, exchange, routing_key, body FROM outbox_events
        WHERE published_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((row) =>
      Object.assign(new OutboxEvent(), {
        id: String(row.id),
        exchange: row.exchange,
        routingKey: row.routing_key,
        body: row.body,
        publishedAt: null,
      }),
    );
  }

  static async markPublished(db: Db, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await repositoryOf(db, OutboxEvent).update({ id: In([...ids]) }, { publishedAt: () => 'NOW(3)' });
  }
}
