import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { InvalidArgumentError } from '@mneme/errors';
import type { KafkaConfig } from 'kafkajs';

/** SASL mechanisms the Kafka bus speaks (SCRAM for Strimzi KafkaUsers; plain only over TLS). */
export type KafkaSaslMechanismName = 'scram-sha-512' | 'scram-sha-256' | 'plain';

/** How the Kafka bus secures its connections to the brokers (PEM contents and credentials, not paths). */
export interface KafkaSecurity {
  /** TLS to the brokers: `true` trusts the system roots; a CA and a client certificate may be given. */
  readonly tls?: true | { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  /** SASL authentication. */
  readonly sasl?: { readonly mechanism: KafkaSaslMechanismName; readonly username: string; readonly password: string };
}

/** Kafka security settings as configured: paths of files, names and switches (unset: not given). */
export interface KafkaSecuritySettings {
  readonly tls?: boolean | undefined;
  readonly tlsCa?: string | undefined;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly saslMechanism?: KafkaSaslMechanismName | undefined;
  readonly saslUsername?: string | undefined;
  readonly saslPasswordFile?: string | undefined;
}

/** The settings under the names the service config gives them (`kafkaSecurityConfig` of libs/config). */
export interface KafkaSecurityConfigFields {
  readonly kafkaTls?: boolean | undefined;
  readonly kafkaTlsCa?: string | undefined;
  readonly kafkaTlsCert?: string | undefined;
  readonly kafkaTlsKey?: string | undefined;
  readonly kafkaSaslMechanism?: KafkaSaslMechanismName | undefined;
  readonly kafkaSaslUsername?: string | undefined;
  readonly kafkaSaslPasswordFile?: string | undefined;
}

/** {@link KafkaSecuritySettings} from the config's fields (one mapping for services and `mneme up`). */
export function kafkaSecuritySettings(config: KafkaSecurityConfigFields): KafkaSecuritySettings {
  return {
    tls: config.kafkaTls,
    tlsCa: config.kafkaTlsCa,
    tlsCert: config.kafkaTlsCert,
    tlsKey: config.kafkaTlsKey,
    saslMechanism: config.kafkaSaslMechanism,
    saslUsername: config.kafkaSaslUsername,
    saslPasswordFile: config.kafkaSaslPasswordFile,
  };
}

/** The environment variables of the settings, for error messages. */
export const KAFKA_SECURITY_ENV_NAMES: { readonly [K in keyof KafkaSecuritySettings]-?: string } = Object.freeze({
  tls: 'MNEME_KAFKA_TLS',
  tlsCa: 'MNEME_KAFKA_TLS_CA',
  tlsCert: 'MNEME_KAFKA_TLS_CERT',
  tlsKey: 'MNEME_KAFKA_TLS_KEY',
  saslMechanism: 'MNEME_KAFKA_SASL_MECHANISM',
  saslUsername: 'MNEME_KAFKA_SASL_USERNAME',
  saslPasswordFile: 'MNEME_KAFKA_SASL_PASSWORD_FILE',
});

/**
 * Reads and checks the files of `settings` once, at start-up: readable PEM files, a client
 * certificate with its key, and SASL with a mechanism, a user name and a non-empty password file.
 * @throws InvalidArgumentError listing every problem, each naming its variable and the fix
 */
export function loadKafkaSecurity(settings: KafkaSecuritySettings, names = KAFKA_SECURITY_ENV_NAMES): KafkaSecurity {
  const problems: string[] = [];
  const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
  const read = (which: 'tlsCa' | 'tlsCert' | 'tlsKey' | 'saslPasswordFile', what: string): Buffer | undefined => {
    const path = settings[which];
    if (!given(path)) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      problems.push(
        `${names[which]}='${path}': cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)}); give the path of a readable file holding ${what}`,
      );
      return undefined;
    }
  };
  const pem = (which: 'tlsCa' | 'tlsCert' | 'tlsKey', what: string): Buffer | undefined => {
    const data = read(which, what);
    if (data !== undefined && !data.includes('-----BEGIN '))
      problems.push(`${names[which]}='${settings[which]}': the file holds no PEM block ("-----BEGIN ..."); give ${what} in PEM form`);
    return data;
  };
  const ca = pem('tlsCa', 'the CA certificates of the brokers');
  const cert = pem('tlsCert', 'a client certificate');
  const key = pem('tlsKey', 'the private key of the client certificate');
  if (given(settings.tlsCert) !== given(settings.tlsKey)) {
    const [set, unset] = given(settings.tlsCert) ? [names.tlsCert, names.tlsKey] : [names.tlsKey, names.tlsCert];
    problems.push(`${set} is set but ${unset} is not: a client certificate needs its private key; set ${unset} too, or unset ${set}`);
  }
  let sasl: KafkaSecurity['sasl'];
  const mechanism = settings.saslMechanism;
  if (mechanism === undefined) {
    for (const which of ['saslUsername', 'saslPasswordFile'] as const) {
      if (given(settings[which]))
        problems.push(
          `${names[which]} is set but ${names.saslMechanism} is not; set it (e.g. scram-sha-512) to authenticate, or unset ${names[which]}`,
        );
    }
  } else {
    if (!given(settings.saslUsername)) problems.push(`${names.saslMechanism}=${mechanism} needs a user: set ${names.saslUsername}`);
    if (!given(settings.saslPasswordFile))
      problems.push(`${names.saslMechanism}=${mechanism} needs a password: set ${names.saslPasswordFile} to a file holding it`);
    // Secrets mounted from files often end in a newline that is not part of the password.
    const password = read('saslPasswordFile', 'the SASL password')
      ?.toString('utf8')
      .replace(/\r?\n$/, '');
    if (password === '')
      problems.push(`${names.saslPasswordFile}='${settings.saslPasswordFile}': the file is empty; it must hold the SASL password`);
    if (given(settings.saslUsername) && password !== undefined && password !== '')
      sasl = { mechanism, username: settings.saslUsername.trim(), password };
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems);
  const anyFile = ca !== undefined || cert !== undefined;
  const tls: KafkaSecurity['tls'] = anyFile
    ? { ...(ca === undefined ? {} : { ca }), ...(cert === undefined ? {} : { cert }), ...(key === undefined ? {} : { key }) }
    : settings.tls === true
      ? true
      : undefined;
  return { ...(tls === undefined ? {} : { tls }), ...(sasl === undefined ? {} : { sasl }) };
}

/** The kafkajs `ssl` and `sasl` options of `security`. */
export function kafkajsSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const tls = security?.tls;
  if (tls === true) out.ssl = true;
  else if (tls !== undefined) {
    const options: ConnectionOptions = {
      ...(tls.ca === undefined ? {} : { ca: [tls.ca] }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
    };
    out.ssl = options;
  }
  const sasl = security?.sasl;
  if (sasl !== undefined) {
    // kafkajs types each mechanism separately; the three share the username/password shape.
    out.sasl =
      sasl.mechanism === 'plain'
        ? { mechanism: 'plain', username: sasl.username, password: sasl.password }
        : sasl.mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password }
          : { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
  }
  return out;
}
