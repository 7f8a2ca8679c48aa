import { loadConfigOrExit } from '@crawlflow/config';
import { bootstrap } from '@crawlflow/shell';
import { AppModule } from './app.module';

const config = loadConfigOrExit('fetch-worker');
void bootstrap(AppModule.forRoot(config), config);
