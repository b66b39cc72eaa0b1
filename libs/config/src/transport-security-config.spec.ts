import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { defineConfig } from './define-config.js';
import { kafkaSecurityConfig, transportSecurityConfig } from './transport-security-config.js';

const security = defineConfig({ ...transportSecurityConfig, ...kafkaSecurityConfig });

describe('transport security config', () => {
  it('is off by default: plaintext, no Kafka TLS or SASL', () => {
    expect(security.load({}).config).toEqual({
      tlsCert: undefined,
      tlsKey: undefined,
      tlsClientCa: undefined,
      tlsCa: undefined,
      tlsServerName: undefined,
      healthPort: undefined,
      insecure: false,
      kafkaTls: false,
      kafkaTlsCa: undefined,
      kafkaTlsCert: undefined,
      kafkaTlsKey: undefined,
      kafkaSaslMechanism: undefined,
      kafkaSaslUsername: undefined,
      kafkaSaslPasswordFile: undefined,
    });
  });

  it('reads paths as given and mechanisms in any case', () => {
    const { config } = security.load({ MNEME_TLS_CERT: '/tls/tls.crt ', MNEME_INSECURE: '1', MNEME_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' });
    expect(config.tlsCert).toBe('/tls/tls.crt');
    expect(config.insecure).toBe(true);
    expect(config.kafkaSaslMechanism).toBe('scram-sha-512');
  });

  it('refuses an unknown mechanism and a bad MNEME_INSECURE, naming each variable', () => {
    expect(() => security.load({ MNEME_KAFKA_SASL_MECHANISM: 'gssapi', MNEME_INSECURE: 'ture' })).toThrow(ConfigError);
    expect(() => security.load({ MNEME_KAFKA_SASL_MECHANISM: 'gssapi', MNEME_INSECURE: 'ture' })).toThrow(
      /MNEME_INSECURE='ture' is not valid[\s\S]*MNEME_KAFKA_SASL_MECHANISM='gssapi' is not valid: expected one of scram-sha-512, scram-sha-256, plain/,
    );
  });
});
