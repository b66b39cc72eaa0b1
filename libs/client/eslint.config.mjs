import base from '../../eslint.config.mjs';

// npm-package/ is the generated bundle (scripts/build-package.mjs).
export default [...base, { ignores: ['npm-package/**'] }];
