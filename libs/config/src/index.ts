/** Typed service options from environment variables, validated once at start-up. */
export { bool } from './bool-field.js';
export type { BoolOptions } from './bool-field.js';
export { bytes } from './bytes-field.js';
export type { BytesInput, BytesOptions } from './bytes-field.js';
export { commonServiceConfig, DEVICES, LOG_LEVELS } from './common-service-config.js';
export type { CommonServiceConfig, Device, LogLevel } from './common-service-config.js';
export { ConfigError, formatProblem } from './config-error.js';
export type { ConfigProblem } from './config-error.js';
export { defineConfig, EX_CONFIG } from './define-config.js';
export type {
  ConfigDefinition,
  ConfigSchema,
  DefineConfigOptions,
  EnvSource,
  Infer,
  LoadResult,
  StartupIo,
} from './define-config.js';
export type { DescribeFormat } from './describe-config.js';
export { duration } from './duration-field.js';
export type { DurationInput, DurationOptions } from './duration-field.js';
export { accept, field, reject } from './field.js';
export type { CustomFieldOptions, Field, FieldOptions, ParseResult } from './field.js';
export { hostPort, list, text } from './list-field.js';
export type { ListItem, ListOptions } from './list-field.js';
export { int, num, port } from './number-fields.js';
export type { NumberOptions, PortOptions } from './number-fields.js';
export { oneOf } from './one-of-field.js';
export type { OneOfOptions } from './one-of-field.js';
export { DEFAULT_REQUEST_LIMITS, limitProblem, REQUEST_LIMITS, requestLimitsConfig } from './request-limits.js';
export type { RequestLimitName, RequestLimitSpec, RequestLimitsConfig, RequestLimitValues } from './request-limits.js';
export { str } from './string-field.js';
export type { StrOptions } from './string-field.js';
export type { ConfigWarning } from './unknown-variables.js';
export { KAFKA_SASL_MECHANISMS, kafkaSecurityConfig, transportSecurityConfig } from './transport-security-config.js';
export type { KafkaSaslMechanism, KafkaSecurityConfig, TransportSecurityConfig } from './transport-security-config.js';
