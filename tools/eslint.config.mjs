import base from '../eslint.config.mjs';

// Scripts are not services: their errors end the script, they never cross gRPC.
export default [...base, { files: ['**/*.ts'], rules: { 'no-restricted-syntax': 'off' } }];
