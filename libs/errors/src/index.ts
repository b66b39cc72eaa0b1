/** Domain error kinds every library throws; mapped to wire status codes in one place (libs/rpc). */
export { MnemeError, InvalidArgumentError, NotFoundError } from './mneme-error.js';
export type { ErrorKind } from './mneme-error.js';
