/** The prompt-pool service: versioned Learning-to-Prompt pools per model and tenant. */
export { createPromptPoolService } from './prompt-pool-service.js';
