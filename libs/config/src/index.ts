/** Typed service options from environment variables, validated once at start-up. */
export {};
