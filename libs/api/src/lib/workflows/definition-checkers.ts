import type { DefinitionCheckers } from '@crawlflow/contracts';

/**
 * Checks of CSS selectors and JSON Schemas that workflow definitions are validated with. The app
 * provides them (from the crawl library) through ApiModule.forRoot; without them those two checks
 * are skipped and everything else is still validated.
 */
export const DEFINITION_CHECKERS = Symbol('DEFINITION_CHECKERS');
export type { DefinitionCheckers };
