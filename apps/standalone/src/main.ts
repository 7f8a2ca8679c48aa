import { loadConfigOrExit, STANDALONE } from '@crawlflow/config';
import { bootstrap, prepareStandalone } from '@crawlflow/shell';
import { AppModule } from './app.module';

const config = loadConfigOrExit(STANDALONE);
void prepareStandalone(config).then(() => bootstrap(AppModule.forRoot(config), config));
