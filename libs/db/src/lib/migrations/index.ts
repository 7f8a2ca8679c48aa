import { InitialSchema1764374400000 } from './1764374400000-InitialSchema';

export { InitialSchema1764374400000 } from './1764374400000-InitialSchema';

/** In order of application; append only, never reorder or rename (the migrations table records names). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own option type
export const MIGRATIONS: Function[] = [InitialSchema1764374400000];
