// One round of the race for Crawlee: CheerioCrawler, in memory, crawling the race shop the way
// crawlflow's workflow does (list pages one after another until one has no products, a detail page
// per product, the same fields, normalisation and checks). Prints one JSON line with its figures.
// `node bench/peers/crawlee-race.mjs <shop url> <concurrency>`; run by bench/crawl-race.bench.ts.
import { CheerioCrawler, Configuration, log } from 'crawlee';

const [base, concurrencyArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 50);
log.setLevel(log.LEVELS.OFF);

const records = [];
let pages = 0;
let rejected = 0;
const started = Date.now();
const cpuBefore = process.cpuUsage();

const crawler = new CheerioCrawler(
  {
    minConcurrency: concurrency,
    maxConcurrency: concurrency,
    maxRequestRetries: 4,
    async requestHandler({ request, $, addRequests }) {
      pages += 1;
      if (request.label === 'DETAIL') {
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
        if (/^SKU-[0-9]+$/.test(record.sku) && record.name.length > 0 && record.price >= 0)
          records.push(record);
        else rejected += 1;
        return;
      }
      const links = $('.product-item a.link')
        .map((_, a) => new URL($(a).attr('href'), request.loadedUrl ?? request.url).href)
        .get();
      if (links.length === 0) return;
      const page = Number(new URL(request.url).searchParams.get('page'));
      await addRequests([
        { url: `${base}/list?page=${page + 1}`, label: 'LIST' },
        ...links.map((url) => ({ url, label: 'DETAIL' })),
      ]);
    },
    // The page after the last answers 404: the end of the list, not an error to retry.
    async failedRequestHandler() {},
  },
  new Configuration({ persistStorage: false, purgeOnStart: true }),
);

await crawler.run([{ url: `${base}/list?page=1`, label: 'LIST' }]);
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({ pages, records: records.length, rejected, ms: Date.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
