/**
 * One round of the race for the floor: a bare undici + cheerio loop, nothing durable, crawling the
 * race shop as the workflow does. Prints one JSON line with its figures.
 * `node -r @swc-node/register bench/race/bare-loop.ts <shop url> <concurrency>`
 */
import { load } from 'cheerio';
import { Agent, request } from 'undici';

async function main(): Promise<void> {
  const [base, concurrencyArg] = process.argv.slice(2);
  const concurrency = Number(concurrencyArg ?? 50);
  const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });
  const queue: Array<{ url: string; detail: boolean }> = [{ url: `${base}/list?page=1`, detail: false }];
  const records: object[] = [];
  let pages = 0;
  let active = 0;
  const started = Date.now();
  const cpuBefore = process.cpuUsage();

  const visit = async (url: string, detail: boolean): Promise<void> => {
    const answer = await request(url, { dispatcher });
    const html = await answer.body.text();
    pages += 1;
    const $ = load(html);
    if (detail) {
      const record = {
        sku: $('.sku').first().text(),
        name: $('.name').first().text().trim(),
        price: Number(
          $('.price')
            .first()
            .text()
            .replace(/[^0-9.]/g, ''),
        ),
        description: $('.description').first().text(),
        currency: 'KRW',
      };
      if (/^SKU-[0-9]+$/.test(record.sku) && record.name.length > 0) records.push(record);
      return;
    }
    const links = $('.product-item a.link')
      .map((_, a) => new URL($(a).attr('href') ?? '', url).href)
      .get();
    if (links.length === 0) return;
    const page = Number(new URL(url).searchParams.get('page'));
    queue.push({ url: `${base}/list?page=${page + 1}`, detail: false });
    for (const link of links) queue.push({ url: link, detail: true });
  };

  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (active < concurrency && queue.length > 0) {
        const next = queue.shift() as { url: string; detail: boolean };
        active += 1;
        visit(next.url, next.detail).then(() => {
          active -= 1;
          if (active === 0 && queue.length === 0) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  const cpu = process.cpuUsage(cpuBefore);
  await dispatcher.close();
  process.stdout.write(
    `${JSON.stringify({ pages, records: records.length, ms: Date.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
  );
}

void main();
