import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { TENANT_METADATA_KEY } from './principal.js';

/**
 * A client interceptor that sends `authorization: Bearer <token>` and, when given, the tenant the
 * call acts for, on every call. An interceptor rather than call credentials, because grpc-js
 * attaches call credentials to TLS channels only, and plaintext channels (loopback, meshes) must
 * carry tokens too.
 */
export function bearerInterceptor(token: string | undefined, tenant?: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
        if (tenant !== undefined) metadata.set(TENANT_METADATA_KEY, tenant);
        next(metadata, listener);
      },
    });
}
