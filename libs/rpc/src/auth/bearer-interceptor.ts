import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';

/**
 * A client interceptor that sends `authorization: Bearer <token>` on every call. An interceptor
 * rather than call credentials, because grpc-js attaches call credentials to TLS channels only,
 * and plaintext channels (loopback, meshes) must carry tokens too.
 */
export function bearerInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}
