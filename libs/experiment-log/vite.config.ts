import { projectTestConfig } from '../../vitest.shared.js';

export default projectTestConfig({ root: import.meta.dirname });
