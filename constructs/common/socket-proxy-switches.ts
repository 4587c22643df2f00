/*
 * Endpoint switches of linuxserver/socket-proxy that the construct sets and the policy pack reads:
 * one list each, so the proxy's own refusal and the rule that checks it cannot drift apart.
 */

/**
 * Reads inside a container (3.4.3+): `GET /containers/{id}/archive` (file contents), `changes`,
 * `export` (the whole filesystem), `logs` and `top`. Each is refused unless set to 1, even with
 * `CONTAINERS=1`.
 */
export const SOCKET_PROXY_CONTAINER_READS = ["ALLOW_ARCHIVE", "ALLOW_CHANGES", "ALLOW_EXPORT", "ALLOW_LOGS", "ALLOW_TOP"] as const;

/** Lifecycle calls the image allows before its method rule, so even with `POST=0`. */
export const SOCKET_PROXY_LIFECYCLE = ["ALLOW_START", "ALLOW_STOP", "ALLOW_RESTARTS", "ALLOW_PAUSE", "ALLOW_UNPAUSE"] as const;

/** First linuxserver/socket-proxy release with the container-read switches. */
export const SOCKET_PROXY_CONTAINER_READS_SINCE = [3, 4, 3] as const;
