import { bool } from './bool-field.js';
import { type ConfigSchema, type Infer } from './define-config.js';
import { port } from './number-fields.js';
import { oneOf } from './one-of-field.js';
import { str } from './string-field.js';

/**
 * gRPC transport security of a service: paths of PEM files, read and checked once at start-up
 * (by `loadTransportSecurity` in @mneme/rpc). Spread it next to {@link commonServiceConfig}.
 */
export const transportSecurityConfig = {
  /** Optional: unset serves plaintext (refused off loopback unless MNEME_INSECURE=1). */
  tlsCert: str({
    env: 'MNEME_TLS_CERT',
    doc: 'PEM certificate chain the gRPC server presents (with MNEME_TLS_KEY); its clients present it to peers that ask for one (mTLS). Unset serves plaintext.',
  }),
  /** Optional: required with MNEME_TLS_CERT. */
  tlsKey: str({ env: 'MNEME_TLS_KEY', doc: 'PEM private key of MNEME_TLS_CERT (unencrypted; mount it from a Secret).' }),
  /** Optional: unset accepts clients without a certificate. */
  tlsClientCa: str({
    env: 'MNEME_TLS_CLIENT_CA',
    doc: 'PEM CA bundle: when set, the server requires every client to present a certificate signed by it (mTLS). Needs MNEME_TLS_CERT.',
  }),
  /** Optional: unset trusts the system roots when TLS is on. */
  tlsCa: str({
    env: 'MNEME_TLS_CA',
    doc: 'PEM CA bundle the certificates of the services this one calls must chain to; setting it (or MNEME_TLS_CERT) makes those calls TLS.',
  }),
  /** Optional: unset checks the host dialled. */
  tlsServerName: str({
    env: 'MNEME_TLS_SERVER_NAME',
    doc: 'Name checked in the certificates of the services this one calls, instead of the host dialled (for an IP or a name the certificate does not list).',
  }),
  /** Optional: unset serves health on the gRPC port only. */
  healthPort: port({
    env: 'MNEME_HEALTH_PORT',
    doc: 'Port of a plaintext server carrying grpc.health.v1 only (the serving status, no data), for probes that cannot speak TLS such as Kubernetes gRPC probes; unset: none.',
  }),
  /** @default false */
  insecure: bool({
    env: 'MNEME_INSECURE',
    default: false,
    doc: 'Serve plaintext gRPC on a non-loopback MNEME_GRPC_HOST (e.g. behind a mesh that encrypts); without it such a service refuses to start. A warning is logged.',
  }),
} as const satisfies ConfigSchema;

/** SASL mechanisms the Kafka bus speaks. */
export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
/** A SASL mechanism name. */
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * Kafka transport security: TLS to the brokers and SASL authentication. Files are read and
 * checked once at start-up (by `loadKafkaSecurity` in @mneme/events).
 */
export const kafkaSecurityConfig = {
  /** @default false */
  kafkaTls: bool({
    env: 'MNEME_KAFKA_TLS',
    default: false,
    doc: 'Connect to the Kafka brokers over TLS, trusting the system roots; implied by MNEME_KAFKA_TLS_CA, MNEME_KAFKA_TLS_CERT or MNEME_KAFKA_TLS_KEY.',
  }),
  /** Optional. */
  kafkaTlsCa: str({
    env: 'MNEME_KAFKA_TLS_CA',
    doc: "PEM CA bundle the brokers' certificates must chain to (Strimzi: ca.crt of the <cluster>-cluster-ca-cert Secret).",
  }),
  /** Optional. */
  kafkaTlsCert: str({
    env: 'MNEME_KAFKA_TLS_CERT',
    doc: 'PEM client certificate presented to the brokers (TLS client authentication), with MNEME_KAFKA_TLS_KEY.',
  }),
  /** Optional. */
  kafkaTlsKey: str({ env: 'MNEME_KAFKA_TLS_KEY', doc: 'PEM private key of MNEME_KAFKA_TLS_CERT.' }),
  /** Optional: unset connects without SASL. */
  kafkaSaslMechanism: oneOf(KAFKA_SASL_MECHANISMS, {
    env: 'MNEME_KAFKA_SASL_MECHANISM',
    doc: 'SASL mechanism to authenticate to the brokers with (needs MNEME_KAFKA_SASL_USERNAME and MNEME_KAFKA_SASL_PASSWORD_FILE); unset: no SASL.',
  }),
  /** Optional. */
  kafkaSaslUsername: str({ env: 'MNEME_KAFKA_SASL_USERNAME', doc: "SASL user name (Strimzi: the KafkaUser's name)." }),
  /** Optional. */
  kafkaSaslPasswordFile: str({
    env: 'MNEME_KAFKA_SASL_PASSWORD_FILE',
    doc: "File holding the SASL password (Strimzi: the `password` key of the KafkaUser's Secret, mounted); a file, so the password never sits in the environment.",
  }),
} as const satisfies ConfigSchema;

/** The typed options produced by {@link transportSecurityConfig}. */
export type TransportSecurityConfig = Infer<typeof transportSecurityConfig>;
/** The typed options produced by {@link kafkaSecurityConfig}. */
export type KafkaSecurityConfig = Infer<typeof kafkaSecurityConfig>;
