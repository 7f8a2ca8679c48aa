import { loadConfigOrExit } from '@crawlflow/config';
import { bootstrap } from '@crawlflow/shell';
import { AppModule } from './app.module';

const config = loadConfigOrExit('scheduler');
void bootstrap(AppModule.forRoot(config), config);
