/** The only importer of kafkajs (events arrive in step 6 of the plan: typed producers/consumers, envelopes, dead-letter, in-process bus). */
export {};
