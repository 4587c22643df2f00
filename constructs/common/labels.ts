/** Label and env names the constructs write and the policy pack reads (one definition for both). */

/** Label naming each start-time file of a container and the env var that carries its content. */
export const FILES_LABEL = "org.n8n-zero-trust.files";
/** Prefix of the env vars that carry start-time files (`N8NZT_FILE_1`, ...). */
export const FILE_ENV_PREFIX = "N8NZT_FILE_";
