/** Conversions between wire messages (protobuf contracts) and domain types. */
export { dtypeFromWire, dtypeToWire, fromWire, toWire, WIRE_DTYPES } from './tensor-wire.js';
export type { FromWireOptions } from './tensor-wire.js';
