package store

// OlderQueuedSQL is the head-of-line query of a shaped claim (its
// arguments: number id, message type, message id), for query-plan tests.
const OlderQueuedSQL = olderQueuedSQL
