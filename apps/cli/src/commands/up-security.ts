import { ConfigError, defineConfig, kafkaSecurityConfig, transportSecurityConfig, type EnvSource } from '@mneme/config';
import { InvalidArgumentError } from '@mneme/errors';
import { kafkaSecuritySettings, loadKafkaSecurity, type KafkaSecurity } from '@mneme/events';
import { loadTransportSecurity, TLS_ENV_NAMES, type TlsSettingNames, type TransportSecurity } from '@mneme/rpc';

/** The transport-security flags of `mneme up`; each falls back to its service variable. */
export interface SecurityFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  tlsCa?: string;
  tlsServerName?: string;
  insecure?: boolean;
}

/** What `mneme up` serves and connects with. */
export interface UpSecurity {
  readonly tls: TransportSecurity;
  /** Plaintext allowed on a non-loopback host (--insecure or MNEME_INSECURE=1). */
  readonly insecure: boolean;
  /** TLS and SASL to Kafka (MNEME_KAFKA_TLS*, MNEME_KAFKA_SASL_*), as the services read them. */
  readonly kafka: KafkaSecurity;
}

const securityConfig = defineConfig({ ...transportSecurityConfig, ...kafkaSecurityConfig });
const FLAG_OF: TlsSettingNames = {
  cert: '--tls-cert',
  key: '--tls-key',
  clientCa: '--tls-client-ca',
  ca: '--tls-ca',
  serverName: '--tls-server-name',
};
// Errors name the flag and the variable, since either may have set the value.
const NAMES = Object.fromEntries(
  Object.entries(FLAG_OF).map(([k, flag]) => [k, `${flag} (${TLS_ENV_NAMES[k as keyof TlsSettingNames]})`]),
) as unknown as TlsSettingNames;

/**
 * The same TLS settings as a service (MNEME_TLS_*, MNEME_INSECURE, MNEME_KAFKA_TLS*, MNEME_KAFKA_SASL_*),
 * with flags taking precedence over variables; files are read and checked once.
 * @throws InvalidArgumentError naming each flag or variable and the fix
 */
export function upSecurity(flags: SecurityFlags, env: EnvSource = process.env): UpSecurity {
  let config: ReturnType<typeof securityConfig.load>['config'];
  try {
    config = securityConfig.load(env).config;
  } catch (err) {
    if (err instanceof ConfigError)
      throw new InvalidArgumentError(
        err.problems.map((p) => `${p.variable}: expected ${p.accepts}`),
        { cause: err },
      );
    throw err;
  }
  const tls = loadTransportSecurity(
    {
      cert: flags.tlsCert ?? config.tlsCert,
      key: flags.tlsKey ?? config.tlsKey,
      clientCa: flags.tlsClientCa ?? config.tlsClientCa,
      ca: flags.tlsCa ?? config.tlsCa,
      serverName: flags.tlsServerName ?? config.tlsServerName,
    },
    NAMES,
  );
  const kafka = loadKafkaSecurity(kafkaSecuritySettings(config));
  return { tls, insecure: flags.insecure === true || config.insecure, kafka };
}
